package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/payments/internal/domain/payment"
)

// Refund refunds the payment PaymentID, once per IdempotencyKey.
type Refund struct {
	IdempotencyKey string
	PaymentID      string
}

// RefundHandler handles Refund.
type RefundHandler struct {
	repo payment.Repository
}

// NewRefundHandler returns a RefundHandler.
func NewRefundHandler(repo payment.Repository) RefundHandler {
	if repo == nil {
		panic("app: NewRefundHandler needs a repository")
	}
	return RefundHandler{repo: repo}
}

// Handle refunds a captured payment. Sent again with the same key it returns the same
// refunded payment; a payment already refunded under another key is
// payment.ErrAlreadyRefunded.
func (h RefundHandler) Handle(ctx context.Context, cmd Refund) (*payment.Payment, error) {
	if cmd.IdempotencyKey == "" {
		return nil, fmt.Errorf("refund: %w", payment.ErrMissingIdempotencyKey)
	}
	if cmd.PaymentID == "" {
		return nil, fmt.Errorf("refund: %w", payment.ErrMissingPaymentID)
	}
	p, err := h.repo.Update(ctx, cmd.PaymentID, func(p *payment.Payment) error {
		_, err := p.Refund(cmd.IdempotencyKey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("refund payment %s: %w", cmd.PaymentID, err)
	}
	return p, nil
}
