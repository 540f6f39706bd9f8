package order

import (
	"context"
	"time"
)

// Repository stores orders. Every write stores the order's recorded events in the same
// transaction as the order itself (the transactional outbox), then calls MarkStored.
type Repository interface {
	// Add stores a new order. When an order with the same idempotency key already
	// exists, Add stores nothing and returns that order with created == false.
	Add(ctx context.Context, o *Order) (stored *Order, created bool, err error)
	// Get returns the order with id, or ErrNotFound.
	Get(ctx context.Context, id string) (*Order, error)
	// GetByIdempotencyKey returns the order created with key, or ErrNotFound.
	GetByIdempotencyKey(ctx context.Context, key string) (*Order, error)
	// Save stores the changes of an order read from this repository, with its events.
	// It fails with ErrConcurrentUpdate when the stored version is no longer o.Version()
	// and with ErrNotFound when the order does not exist.
	Save(ctx context.Context, o *Order) error
	// ListStalePending returns the IDs of PENDING orders not updated since before,
	// oldest first, at most limit.
	ListStalePending(ctx context.Context, before time.Time, limit int) ([]string, error)
}
