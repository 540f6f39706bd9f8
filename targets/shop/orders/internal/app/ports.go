// Package app holds the use cases of orders, one file each. It codes against the
// order domain and the small interfaces below; adapters implement them.
package app

import (
	"context"
	"errors"
	"time"

	"faultline.dev/shop/orders/internal/domain/order"
)

// ErrDependencyUnavailable marks a technical failure of a dependency (timeout, circuit
// open, unavailable): the call may be retried and its outcome may be unknown.
var ErrDependencyUnavailable = errors.New("dependency unavailable")

// ErrNotSent marks a call refused before it reached the dependency (its circuit breaker
// was open): it surely did not take effect, so a saga step that only ever failed this way
// needs no compensation.
var ErrNotSent = errors.New("call not sent")

// Product is what orders needs to know about a SKU to price an order line.
type Product struct {
	SKU        string
	PriceCents int64
	Currency   string
}

// Inventory is the inventory service as orders uses it. Reserve and Release are
// idempotent by reservation ID. Reserve fails with order.ErrInsufficientStock when
// stock is short, GetProduct with order.ErrProductNotFound; technical failures wrap
// ErrDependencyUnavailable.
type Inventory interface {
	GetProduct(ctx context.Context, sku string) (Product, error)
	Reserve(ctx context.Context, reservationID string, lines []order.Line) error
	Release(ctx context.Context, reservationID string) error
}

// Charge asks payments to capture money for an order.
type Charge struct {
	IdempotencyKey string
	OrderID        string
	AmountCents    int64
	Currency       string
}

// Payments is the payments service as orders uses it. Charge and Refund are idempotent
// by key; Charge fails with order.ErrPaymentDeclined when payments refuses it.
type Payments interface {
	Charge(ctx context.Context, c Charge) (paymentID string, err error)
	Refund(ctx context.Context, idempotencyKey, paymentID string) error
}

// OutboxMessage is one stored event waiting to be published (or already published).
type OutboxMessage struct {
	Seq       int64
	EventID   string
	EventType string
	OrderID   string // Kafka key: an order's events share a partition and keep their order
	Payload   []byte
	// Headers holds the trace context of the change that wrote the event.
	Headers   map[string]string
	CreatedAt time.Time
}

// OutboxStore reads and acknowledges the outbox written by the order repository.
type OutboxStore interface {
	// PendingMessages returns unsent messages in the order they were written, at most limit.
	PendingMessages(ctx context.Context, limit int) ([]OutboxMessage, error)
	// MarkSent records that the messages with these event IDs were published.
	MarkSent(ctx context.Context, eventIDs []string) error
}

// MessagePublisher publishes one outbox message and returns once the broker has it.
type MessagePublisher interface {
	Publish(ctx context.Context, m OutboxMessage) error
}

// EventPublisher publishes a domain event straight away, bypassing the outbox. Only
// the dual-write sabotage uses it.
type EventPublisher interface {
	PublishEvent(ctx context.Context, e order.Event) error
}

// Sabotage are the switches of SHOP_SABOTAGE that change the use cases. Each one turns
// a resilience mechanism off for the harness's detection tests.
type Sabotage struct {
	NoCompensation bool // a failed saga cancels without undoing its steps
	DualWrite      bool // events go straight to Kafka in the request path, not through the outbox
	RetryStorm     bool // dependency calls are retried at once, without limit
	// RetryOpenBreaker: a saga step refused by the open breaker is retried with backoff, as
	// if the call had failed (the open breaker no longer makes callers fail at once).
	RetryOpenBreaker bool
}

// BreakerProbe is what a dependency client may also offer: whether its circuit breaker would
// refuse a call now. The saga asks before it takes any step, so an order that would be refused
// fails at once, with nothing reserved and nothing to undo.
type BreakerProbe interface {
	BreakerOpen() bool
}

// RefusedByBreaker reports whether err is a call the open circuit breaker refused: it was
// not sent, and only the breaker's half-open probe decides when to try again.
func RefusedByBreaker(err error) bool { return errors.Is(err, ErrNotSent) }

// Permanent reports whether err is a business outcome that retrying cannot change.
func Permanent(err error) bool {
	return errors.Is(err, order.ErrInsufficientStock) ||
		errors.Is(err, order.ErrPaymentDeclined) ||
		errors.Is(err, order.ErrProductNotFound) ||
		errors.Is(err, order.ErrInvalidOrder) ||
		errors.Is(err, order.ErrCurrencyMismatch)
}
