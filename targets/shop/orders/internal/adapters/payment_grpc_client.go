package adapters

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	paymentsv1 "faultline.dev/shop/proto/gen/shop/payments/v1"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// PaymentGRPCClient is app.Payments over gRPC, on one connection shared by all calls.
type PaymentGRPCClient struct {
	conn   grpc.ClientConnInterface
	client paymentsv1.PaymentsServiceClient
	policy CallPolicy
}

var _ app.Payments = (*PaymentGRPCClient)(nil)

// NewPaymentGRPCClient returns a client on conn (dialled once at start).
func NewPaymentGRPCClient(conn grpc.ClientConnInterface, policy CallPolicy) (*PaymentGRPCClient, error) {
	if err := policy.validate("payments"); err != nil {
		return nil, err
	}
	return &PaymentGRPCClient{conn: conn, client: paymentsv1.NewPaymentsServiceClient(conn), policy: policy}, nil
}

func (c *PaymentGRPCClient) Charge(ctx context.Context, ch app.Charge) (string, error) {
	var resp *paymentsv1.ChargeResponse
	err := c.policy.do(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.client.Charge(ctx, &paymentsv1.ChargeRequest{
			IdempotencyKey: ch.IdempotencyKey,
			OrderId:        ch.OrderID,
			AmountCents:    ch.AmountCents,
			Currency:       ch.Currency,
		})
		return err
	})
	if err != nil {
		return "", translate(ctx, "payments Charge "+ch.OrderID, err, map[codes.Code]error{codes.FailedPrecondition: order.ErrPaymentDeclined})
	}
	id := resp.GetPayment().GetId()
	if id == "" {
		return "", fmt.Errorf("%w: payments Charge %s: %w", app.ErrDependencyUnavailable, ch.OrderID, errors.New("no payment in response"))
	}
	return id, nil
}

func (c *PaymentGRPCClient) Refund(ctx context.Context, idempotencyKey, paymentID string) error {
	err := c.policy.do(ctx, func(ctx context.Context) error {
		_, err := c.client.Refund(ctx, &paymentsv1.RefundRequest{IdempotencyKey: idempotencyKey, PaymentId: paymentID})
		return err
	})
	return translate(ctx, "payments Refund "+paymentID, err, nil)
}

// BreakerOpen implements app.BreakerProbe: the breaker would refuse a call now.
func (c *PaymentGRPCClient) BreakerOpen() bool { return c.policy.breakerOpen() }
