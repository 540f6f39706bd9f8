// Package notification is the notifications domain: order events arrive at least once, and
// each event must produce exactly one notification for the customer.
package notification

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// EventType names an order event, as carried in the `event-type` Kafka header.
type EventType string

// The order events orders publishes (see proto/EVENTS.md).
const (
	OrderCreated   EventType = "order.created"
	OrderConfirmed EventType = "order.confirmed"
	OrderCancelled EventType = "order.cancelled"
)

var (
	// ErrInvalidEvent reports an event that can never be handled (a poison message):
	// retrying it cannot help.
	ErrInvalidEvent = errors.New("invalid order event")
	// ErrMissingOrderID reports a query without an order ID.
	ErrMissingOrderID = errors.New("order id is required")
)

// Event is one order event as consumed from Kafka.
type Event struct {
	ID                 string
	Type               EventType
	OrderID            string
	OccurredAt         time.Time
	CancellationReason string
}

// NewEvent validates an order event. Every problem is reported together, each wrapping
// ErrInvalidEvent.
func NewEvent(id string, typ EventType, orderID string, occurredAt time.Time, cancellationReason string) (Event, error) {
	var problems []error
	if strings.TrimSpace(id) == "" {
		problems = append(problems, fmt.Errorf("%w: event id is empty", ErrInvalidEvent))
	}
	switch typ {
	case OrderCreated, OrderConfirmed, OrderCancelled:
	default:
		problems = append(problems, fmt.Errorf("%w: unknown event type %q", ErrInvalidEvent, typ))
	}
	if strings.TrimSpace(orderID) == "" {
		problems = append(problems, fmt.Errorf("%w: order id is empty", ErrInvalidEvent))
	}
	if err := errors.Join(problems...); err != nil {
		return Event{}, err
	}
	return Event{
		ID:                 id,
		Type:               typ,
		OrderID:            orderID,
		OccurredAt:         occurredAt.UTC(),
		CancellationReason: cancellationReason,
	}, nil
}

// Notification is what a customer is told about one order event.
type Notification struct {
	ID        string
	OrderID   string
	EventID   string
	EventType EventType
	Message   string
	CreatedAt time.Time
}

// Notify turns the event into the notification sent for it. id identifies the notification
// (not the event: under the duplicate-delivery sabotage one event yields several).
func (e Event) Notify(id string, now time.Time) Notification {
	return Notification{
		ID:        id,
		OrderID:   e.OrderID,
		EventID:   e.ID,
		EventType: e.Type,
		Message:   e.message(),
		CreatedAt: now.UTC(),
	}
}

func (e Event) message() string {
	switch e.Type {
	case OrderCreated:
		return fmt.Sprintf("We received your order %s.", e.OrderID)
	case OrderConfirmed:
		return fmt.Sprintf("Your order %s is confirmed.", e.OrderID)
	case OrderCancelled:
		if e.CancellationReason != "" {
			return fmt.Sprintf("Your order %s was cancelled: %s.", e.OrderID, e.CancellationReason)
		}
		return fmt.Sprintf("Your order %s was cancelled.", e.OrderID)
	default:
		return fmt.Sprintf("Your order %s changed.", e.OrderID)
	}
}

// Stats counts what the consumer did, for the invariant "every committed order event is
// handled once".
type Stats struct {
	// EventsHandled counts notifications stored: one per handled delivery.
	EventsHandled int64
	// DistinctEvents counts distinct event IDs among them.
	DistinctEvents int64
	// DuplicatesSkipped counts deliveries of an already handled event that were skipped.
	DuplicatesSkipped int64
	// EventsHandledMoreThanOnce counts event IDs with more than one notification: zero
	// while handling is effectively once.
	EventsHandledMoreThanOnce int64
}
