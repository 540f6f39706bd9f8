// Package ports exposes the payments application over gRPC. It is the only place that
// knows gRPC status codes: each domain error maps to the code that says what happened.
package ports

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/payments/internal/app"
	"faultline.dev/shop/payments/internal/domain/payment"
	paymentsv1 "faultline.dev/shop/proto/gen/shop/payments/v1"
)

// ErrorDomain is the errdetails.ErrorInfo domain of every error this service returns.
const ErrorDomain = "payments.shop.faultline.dev"

// GRPCServer implements paymentsv1.PaymentsServiceServer.
type GRPCServer struct {
	paymentsv1.UnimplementedPaymentsServiceServer
	app    app.Application
	logger *slog.Logger
}

// NewGRPCServer returns the gRPC port of application.
func NewGRPCServer(application app.Application, logger *slog.Logger) *GRPCServer {
	return &GRPCServer{app: application, logger: logger}
}

var _ paymentsv1.PaymentsServiceServer = (*GRPCServer)(nil)

func (s *GRPCServer) Charge(ctx context.Context, req *paymentsv1.ChargeRequest) (*paymentsv1.ChargeResponse, error) {
	p, err := s.app.Commands.Charge.Handle(ctx, app.Charge{
		IdempotencyKey: req.GetIdempotencyKey(),
		OrderID:        req.GetOrderId(),
		AmountCents:    req.GetAmountCents(),
		Currency:       req.GetCurrency(),
	})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &paymentsv1.ChargeResponse{Payment: toProto(p)}, nil
}

func (s *GRPCServer) Refund(ctx context.Context, req *paymentsv1.RefundRequest) (*paymentsv1.RefundResponse, error) {
	p, err := s.app.Commands.Refund.Handle(ctx, app.Refund{
		IdempotencyKey: req.GetIdempotencyKey(),
		PaymentID:      req.GetPaymentId(),
	})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &paymentsv1.RefundResponse{Payment: toProto(p)}, nil
}

func (s *GRPCServer) GetLedger(ctx context.Context, _ *paymentsv1.GetLedgerRequest) (*paymentsv1.GetLedgerResponse, error) {
	l, err := s.app.Queries.GetLedger.Handle(ctx)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &paymentsv1.GetLedgerResponse{
		CapturedCents: l.CapturedCents,
		RefundedCents: l.RefundedCents,
		Charges:       l.Charges,
		Refunds:       l.Refunds,
	}, nil
}

func toProto(p *payment.Payment) *paymentsv1.Payment {
	st := paymentsv1.PaymentStatus_PAYMENT_STATUS_CAPTURED
	if p.IsRefunded() {
		st = paymentsv1.PaymentStatus_PAYMENT_STATUS_REFUNDED
	}
	return &paymentsv1.Payment{
		Id:          p.ID(),
		OrderId:     p.OrderID(),
		AmountCents: p.AmountCents(),
		Currency:    p.Currency(),
		Status:      st,
	}
}

// errorCodes maps each domain error to its status code and the ErrorInfo reason
// clients may switch on. Order matters only for errors that wrap several sentinels.
var errorCodes = []struct {
	err    error
	code   codes.Code
	reason string
}{
	{payment.ErrDeclined, codes.FailedPrecondition, "PAYMENT_DECLINED"},
	{payment.ErrAlreadyRefunded, codes.FailedPrecondition, "ALREADY_REFUNDED"},
	{payment.ErrIdempotencyKeyReused, codes.AlreadyExists, "IDEMPOTENCY_KEY_REUSED"},
	{payment.ErrNotFound, codes.NotFound, "PAYMENT_NOT_FOUND"},
	{payment.ErrMissingIdempotencyKey, codes.InvalidArgument, "INVALID_ARGUMENT"},
	{payment.ErrMissingOrderID, codes.InvalidArgument, "INVALID_ARGUMENT"},
	{payment.ErrMissingPaymentID, codes.InvalidArgument, "INVALID_ARGUMENT"},
	{payment.ErrInvalidAmount, codes.InvalidArgument, "INVALID_ARGUMENT"},
	{payment.ErrInvalidCurrency, codes.InvalidArgument, "INVALID_ARGUMENT"},
}

// toStatus maps err to a gRPC status. Unknown errors are logged here and reach the client
// as Internal without their details.
func (s *GRPCServer) toStatus(ctx context.Context, err error) error {
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return withReason(status.New(m.code, err.Error()), m.reason)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	s.logger.ErrorContext(ctx, "internal error", slog.String("error", err.Error()))
	return status.Error(codes.Internal, "internal error")
}

func withReason(st *status.Status, reason string) error {
	detailed, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}
