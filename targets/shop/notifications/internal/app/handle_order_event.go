package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

// HandleOrderEvent is one delivery of an order event. Kafka delivers at least once, so the
// same event may arrive again after a crash, a rebalance or a republish by the outbox relay.
type HandleOrderEvent struct {
	Event notification.Event
}

// Outcome tells what handling a delivery did.
type Outcome int

const (
	// Handled: the event was new and its notification was stored.
	Handled Outcome = iota + 1
	// DuplicateSkipped: the event had been handled before; nothing was stored.
	DuplicateSkipped
	// HandledAgain: the event had been handled before and was handled again (only with
	// the duplicate-delivery sabotage on: the bug it names).
	HandledAgain
)

func (o Outcome) String() string {
	switch o {
	case Handled:
		return "handled"
	case DuplicateSkipped:
		return "duplicate_skipped"
	case HandledAgain:
		return "handled_again"
	default:
		return fmt.Sprintf("outcome(%d)", int(o))
	}
}

// HandleOrderEventHandler stores one notification per order event: the event ID is recorded
// as processed in the same transaction as the notification, and a delivery of an event
// already processed stores nothing.
type HandleOrderEventHandler struct {
	repo       notification.Repository
	skipDedupe bool
	now        func() time.Time
}

// HandleOrderEventOption configures a HandleOrderEventHandler.
type HandleOrderEventOption func(*HandleOrderEventHandler)

// WithoutDedupe turns the dedupe off: a redelivered event gets a second notification. It is
// the duplicate-delivery sabotage switch, never a setting.
func WithoutDedupe() HandleOrderEventOption {
	return func(h *HandleOrderEventHandler) { h.skipDedupe = true }
}

// WithClock sets the clock that stamps notifications (tests).
func WithClock(now func() time.Time) HandleOrderEventOption {
	return func(h *HandleOrderEventHandler) { h.now = now }
}

// NewHandleOrderEventHandler returns the handler over repo.
func NewHandleOrderEventHandler(repo notification.Repository, opts ...HandleOrderEventOption) HandleOrderEventHandler {
	if repo == nil {
		panic("app: nil notification repository")
	}
	h := HandleOrderEventHandler{repo: repo, now: func() time.Time { return time.Now().UTC() }}
	for _, o := range opts {
		o(&h)
	}
	return h
}

// Handle handles one delivery. An error means nothing was stored and the delivery must be
// retried (its offset must not be committed).
func (h HandleOrderEventHandler) Handle(ctx context.Context, cmd HandleOrderEvent) (Outcome, error) {
	var outcome Outcome
	err := h.repo.ProcessEvent(ctx, cmd.Event.ID, func(alreadyProcessed bool) (*notification.Notification, error) {
		switch {
		case !alreadyProcessed:
			outcome = Handled
		case h.skipDedupe:
			outcome = HandledAgain
		default:
			outcome = DuplicateSkipped
			return nil, nil
		}
		n := cmd.Event.Notify(uuid.NewString(), h.now())
		return &n, nil
	})
	if err != nil {
		return 0, fmt.Errorf("handle event %s (%s) of order %s: %w", cmd.Event.ID, cmd.Event.Type, cmd.Event.OrderID, err)
	}
	return outcome, nil
}
