package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/payments/internal/domain/payment"
)

// Charge captures AmountCents for OrderID, once per IdempotencyKey.
type Charge struct {
	IdempotencyKey string
	OrderID        string
	AmountCents    int64
	Currency       string
}

// ChargeHandler handles Charge.
type ChargeHandler struct {
	repo   payment.Repository
	policy payment.DeclinePolicy
	newID  func() string
}

// NewChargeHandler returns a ChargeHandler; newID makes payment IDs.
func NewChargeHandler(repo payment.Repository, policy payment.DeclinePolicy, newID func() string) ChargeHandler {
	if repo == nil || newID == nil {
		panic("app: NewChargeHandler needs a repository and an ID function")
	}
	return ChargeHandler{repo: repo, policy: policy, newID: newID}
}

// Handle captures the charge, or returns the payment already captured with the key. A
// repeated key with different terms is payment.ErrIdempotencyKeyReused; an amount above
// the policy's limit is payment.ErrDeclined and captures nothing.
func (h ChargeHandler) Handle(ctx context.Context, cmd Charge) (*payment.Payment, error) {
	if err := payment.ValidateCharge(cmd.IdempotencyKey, cmd.OrderID, cmd.AmountCents, cmd.Currency); err != nil {
		return nil, fmt.Errorf("charge: %w", err)
	}
	if err := h.policy.Check(cmd.AmountCents); err != nil {
		return nil, fmt.Errorf("charge order %s: %w", cmd.OrderID, err)
	}
	p, err := payment.NewPayment(h.newID(), cmd.IdempotencyKey, cmd.OrderID, cmd.AmountCents, cmd.Currency)
	if err != nil {
		return nil, fmt.Errorf("charge: %w", err)
	}
	stored, added, err := h.repo.AddIfAbsent(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("charge order %s: %w", cmd.OrderID, err)
	}
	if !added && !stored.IsSameCharge(cmd.OrderID, cmd.AmountCents, cmd.Currency) {
		return nil, fmt.Errorf("charge key %q: %w", cmd.IdempotencyKey, payment.ErrIdempotencyKeyReused)
	}
	return stored, nil
}
