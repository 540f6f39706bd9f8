package ports_test

import (
	"log/slog"
	"net"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/payments/internal/adapters"
	"faultline.dev/shop/payments/internal/app"
	"faultline.dev/shop/payments/internal/domain/payment"
	"faultline.dev/shop/payments/internal/ports"
	"faultline.dev/shop/platform/grpcx"
	paymentsv1 "faultline.dev/shop/proto/gen/shop/payments/v1"
)

func startPayments(t *testing.T) paymentsv1.PaymentsServiceClient {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	application := app.NewApplication(adapters.NewPaymentMemoryRepository(), payment.DeclinePolicy{AboveCents: 100000}, uuid.NewString)
	srv := grpcx.NewServer(logger)
	paymentsv1.RegisterPaymentsServiceServer(srv, ports.NewGRPCServer(application, logger))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpcx.Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		srv.GracefulStop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return paymentsv1.NewPaymentsServiceClient(conn)
}

func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func TestGRPC_domainErrorsMapToStatusCodes(t *testing.T) {
	client := startPayments(t)
	ctx := t.Context()
	charged, err := client.Charge(ctx, &paymentsv1.ChargeRequest{IdempotencyKey: "k-1", OrderId: "o-1", AmountCents: 2500, Currency: "EUR"})
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	if _, err := client.Refund(ctx, &paymentsv1.RefundRequest{IdempotencyKey: "r-1", PaymentId: charged.GetPayment().GetId()}); err != nil {
		t.Fatalf("Refund: %v", err)
	}

	for _, tc := range []struct {
		name       string
		call       func() error
		wantCode   codes.Code
		wantReason string
	}{
		{"decline above the limit", func() error {
			_, err := client.Charge(ctx, &paymentsv1.ChargeRequest{IdempotencyKey: "k-big", OrderId: "o-2", AmountCents: 100001, Currency: "EUR"})
			return err
		}, codes.FailedPrecondition, "PAYMENT_DECLINED"},
		{"refund of a refunded payment under another key", func() error {
			_, err := client.Refund(ctx, &paymentsv1.RefundRequest{IdempotencyKey: "r-2", PaymentId: charged.GetPayment().GetId()})
			return err
		}, codes.FailedPrecondition, "ALREADY_REFUNDED"},
		{"charge key reused with another amount", func() error {
			_, err := client.Charge(ctx, &paymentsv1.ChargeRequest{IdempotencyKey: "k-1", OrderId: "o-1", AmountCents: 1, Currency: "EUR"})
			return err
		}, codes.AlreadyExists, "IDEMPOTENCY_KEY_REUSED"},
		{"refund of an unknown payment", func() error {
			_, err := client.Refund(ctx, &paymentsv1.RefundRequest{IdempotencyKey: "r-3", PaymentId: "nope"})
			return err
		}, codes.NotFound, "PAYMENT_NOT_FOUND"},
		{"charge without key or amount", func() error {
			_, err := client.Charge(ctx, &paymentsv1.ChargeRequest{OrderId: "o-3", Currency: "EUR"})
			return err
		}, codes.InvalidArgument, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if status.Code(err) != tc.wantCode || reason(err) != tc.wantReason {
				t.Errorf("error = %v (reason %q), want %v with reason %s", err, reason(err), tc.wantCode, tc.wantReason)
			}
		})
	}
}

func TestGRPC_chargeRefundAndLedger(t *testing.T) {
	client := startPayments(t)
	ctx := t.Context()
	req := &paymentsv1.ChargeRequest{IdempotencyKey: "k-1", OrderId: "o-1", AmountCents: 2500, Currency: "EUR"}
	first, err := client.Charge(ctx, req)
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	again, err := client.Charge(ctx, req)
	if err != nil || again.GetPayment().GetId() != first.GetPayment().GetId() {
		t.Fatalf("Charge again = %v, %v; want the same payment", again, err)
	}
	if st := first.GetPayment().GetStatus(); st != paymentsv1.PaymentStatus_PAYMENT_STATUS_CAPTURED {
		t.Errorf("status = %v, want CAPTURED", st)
	}
	refunded, err := client.Refund(ctx, &paymentsv1.RefundRequest{IdempotencyKey: "r-1", PaymentId: first.GetPayment().GetId()})
	if err != nil || refunded.GetPayment().GetStatus() != paymentsv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Fatalf("Refund = %v, %v; want REFUNDED", refunded, err)
	}
	ledger, err := client.GetLedger(ctx, &paymentsv1.GetLedgerRequest{})
	if err != nil {
		t.Fatalf("GetLedger: %v", err)
	}
	if ledger.GetCapturedCents() != 2500 || ledger.GetRefundedCents() != 2500 || ledger.GetCharges() != 1 || ledger.GetRefunds() != 1 {
		t.Errorf("ledger = %v, want one charge and one refund of 2500", ledger)
	}
}
