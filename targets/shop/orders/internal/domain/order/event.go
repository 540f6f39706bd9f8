package order

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// EventType names an order event on the wire (EVENTS.md).
type EventType string

const (
	EventCreated   EventType = "order.created"
	EventConfirmed EventType = "order.confirmed"
	EventCancelled EventType = "order.cancelled"
)

// Event is a state change of an order, recorded by the aggregate and written by the
// repository in the same transaction as the change (the outbox). Payload is the JSON
// value described in EVENTS.md, frozen when the change happened.
type Event struct {
	ID         string
	Type       EventType
	OrderID    string
	OccurredAt time.Time
	Payload    []byte
}

// wire format of EVENTS.md
type eventPayload struct {
	EventID    string       `json:"event_id"`
	Type       EventType    `json:"type"`
	OccurredAt string       `json:"occurred_at"`
	Order      orderPayload `json:"order"`
}

type orderPayload struct {
	ID                 string        `json:"id"`
	CustomerID         string        `json:"customer_id"`
	Status             Status        `json:"status"`
	TotalCents         int64         `json:"total_cents"`
	Currency           string        `json:"currency"`
	Lines              []linePayload `json:"lines"`
	CancellationReason string        `json:"cancellation_reason"`
}

type linePayload struct {
	SKU            string `json:"sku"`
	Quantity       int32  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

// TimestampLayout is how event times are written: RFC 3339, UTC, milliseconds.
const TimestampLayout = "2006-01-02T15:04:05.000Z07:00"

func (o *Order) record(t EventType, now time.Time) {
	id := uuid.NewString()
	p := eventPayload{
		EventID:    id,
		Type:       t,
		OccurredAt: now.UTC().Format(TimestampLayout),
		Order: orderPayload{
			ID:                 o.id,
			CustomerID:         o.customerID,
			Status:             o.status,
			TotalCents:         o.totalCents,
			Currency:           o.currency,
			Lines:              make([]linePayload, 0, len(o.lines)),
			CancellationReason: o.cancellationReason,
		},
	}
	for _, l := range o.lines {
		p.Order.Lines = append(p.Order.Lines, linePayload(l))
	}
	b, err := json.Marshal(p)
	if err != nil {
		// Only strings and integers: marshalling cannot fail.
		panic(fmt.Sprintf("order: marshal event: %v", err))
	}
	o.events = append(o.events, Event{ID: id, Type: t, OrderID: o.id, OccurredAt: now, Payload: b})
}
