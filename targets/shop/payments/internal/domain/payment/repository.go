package payment

import "context"

// Repository stores payments. Implementations must keep charges and refunds idempotent
// under concurrent duplicate requests: the charge key and the refund key are each unique.
type Repository interface {
	// AddIfAbsent stores p unless a payment with p's charge key exists. It returns the
	// stored payment (p or the earlier one) and whether p was stored.
	AddIfAbsent(ctx context.Context, p *Payment) (stored *Payment, added bool, err error)
	// Update runs fn on the payment with the id while holding it locked and stores what
	// fn leaves if fn returns nil. A missing payment is ErrNotFound; a refund key already
	// used by another payment is ErrIdempotencyKeyReused.
	Update(ctx context.Context, id string, fn func(p *Payment) error) (*Payment, error)
	// ByID returns the payment with the id, or ErrNotFound.
	ByID(ctx context.Context, id string) (*Payment, error)
	// Ledger totals every payment.
	Ledger(ctx context.Context) (Ledger, error)
}
