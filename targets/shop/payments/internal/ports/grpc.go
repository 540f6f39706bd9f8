// Package ports exposes the payments application over gRPC. It is the only place that
// knows gRPC status codes: each domain error maps to the code that says what happened.
package ports

import (
	"context"
	"log/slog"

	"google.golang.org/grpc/codes"

	"faultline.dev/shop/platform/grpcx"

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
var errorCodes = []grpcx.ErrorCode{
	{Err: payment.ErrDeclined, Code: codes.FailedPrecondition, Reason: "PAYMENT_DECLINED"},
	{Err: payment.ErrAlreadyRefunded, Code: codes.FailedPrecondition, Reason: "ALREADY_REFUNDED"},
	{Err: payment.ErrIdempotencyKeyReused, Code: codes.AlreadyExists, Reason: "IDEMPOTENCY_KEY_REUSED"},
	{Err: payment.ErrNotFound, Code: codes.NotFound, Reason: "PAYMENT_NOT_FOUND"},
	{Err: payment.ErrMissingIdempotencyKey, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: payment.ErrMissingOrderID, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: payment.ErrMissingPaymentID, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: payment.ErrInvalidAmount, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: payment.ErrInvalidCurrency, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
}

// toStatus maps err to a gRPC status through the table above; anything else is logged
// and reaches the client as Internal without its details.
func (s *GRPCServer) toStatus(ctx context.Context, err error) error {
	return grpcx.ErrorMapper{Domain: ErrorDomain, Codes: errorCodes, Logger: s.logger}.Status(ctx, err)
}
