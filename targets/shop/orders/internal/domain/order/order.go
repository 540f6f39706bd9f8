// Package order is the order aggregate: its lines and total, its status
// (PENDING -> CONFIRMED | CANCELLED), the persisted progress of its saga, and the
// events each state change records for the outbox.
package order

import (
	"fmt"
	"math"
	"regexp"
	"time"
)

// Status is the lifecycle state of an order. PENDING is the only non-terminal one.
type Status string

const (
	StatusPending   Status = "PENDING"
	StatusConfirmed Status = "CONFIRMED"
	StatusCancelled Status = "CANCELLED"
)

// Terminal reports whether no further transition is allowed.
func (s Status) Terminal() bool { return s == StatusConfirmed || s == StatusCancelled }

// Line is one SKU of an order with the unit price inventory quoted when it was placed.
type Line struct {
	SKU            string
	Quantity       int32
	UnitPriceCents int64
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Order is the aggregate root. Its fields change only through its methods, which keep
// the status transitions and the saga bookkeeping consistent.
type Order struct {
	id                 string
	idempotencyKey     string
	customerID         string
	currency           string
	lines              []Line
	totalCents         int64
	status             Status
	cancellationReason string
	steps              []StepRecord
	compensating       bool
	failureReason      string
	createdAt          time.Time
	updatedAt          time.Time
	version            int64
	events             []Event
}

// CheckLines validates order lines before prices are known (quantities, SKUs).
func CheckLines(lines []Line) error {
	if len(lines) == 0 {
		return fmt.Errorf("%w: at least one line is required", ErrInvalidOrder)
	}
	seen := make(map[string]bool, len(lines))
	for i, l := range lines {
		if l.SKU == "" {
			return fmt.Errorf("%w: line %d: sku is required", ErrInvalidOrder, i)
		}
		if seen[l.SKU] {
			return fmt.Errorf("%w: line %d: sku %q appears more than once", ErrInvalidOrder, i, l.SKU)
		}
		seen[l.SKU] = true
		if l.Quantity <= 0 {
			return fmt.Errorf("%w: line %d: quantity must be positive, got %d", ErrInvalidOrder, i, l.Quantity)
		}
		if l.UnitPriceCents < 0 {
			return fmt.Errorf("%w: line %d: unit price must not be negative", ErrInvalidOrder, i)
		}
	}
	return nil
}

// New creates a PENDING order and records its order.created event.
func New(id, idempotencyKey, customerID, currency string, lines []Line, now time.Time) (*Order, error) {
	switch {
	case id == "":
		return nil, fmt.Errorf("%w: id is required", ErrInvalidOrder)
	case idempotencyKey == "":
		return nil, fmt.Errorf("%w: idempotency key is required", ErrInvalidOrder)
	case customerID == "":
		return nil, fmt.Errorf("%w: customer id is required", ErrInvalidOrder)
	case !currencyPattern.MatchString(currency):
		return nil, fmt.Errorf("%w: currency %q is not an ISO 4217 code", ErrInvalidOrder, currency)
	}
	if err := CheckLines(lines); err != nil {
		return nil, err
	}
	var total int64
	for i, l := range lines {
		q := int64(l.Quantity)
		if l.UnitPriceCents > 0 && q > (math.MaxInt64-total)/l.UnitPriceCents {
			return nil, fmt.Errorf("%w: line %d: total overflows", ErrInvalidOrder, i)
		}
		total += q * l.UnitPriceCents
	}
	now = normalize(now)
	o := &Order{
		id:             id,
		idempotencyKey: idempotencyKey,
		customerID:     customerID,
		currency:       currency,
		lines:          append([]Line(nil), lines...),
		totalCents:     total,
		status:         StatusPending,
		createdAt:      now,
		updatedAt:      now,
	}
	o.record(EventCreated, now)
	return o, nil
}

// normalize keeps times in UTC at the microsecond precision PostgreSQL stores, so an
// order reads back equal to what was written.
func normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (o *Order) ID() string                 { return o.id }
func (o *Order) IdempotencyKey() string     { return o.idempotencyKey }
func (o *Order) CustomerID() string         { return o.customerID }
func (o *Order) Currency() string           { return o.currency }
func (o *Order) Lines() []Line              { return append([]Line(nil), o.lines...) }
func (o *Order) TotalCents() int64          { return o.totalCents }
func (o *Order) Status() Status             { return o.status }
func (o *Order) CancellationReason() string { return o.cancellationReason }
func (o *Order) CreatedAt() time.Time       { return o.createdAt }
func (o *Order) UpdatedAt() time.Time       { return o.updatedAt }

// Version counts the stored changes of the order; repositories use it as an optimistic lock.
func (o *Order) Version() int64 { return o.version }

// Confirm ends the saga successfully: allowed only while PENDING, not compensating, and
// after stock was reserved and payment charged. Records order.confirmed.
func (o *Order) Confirm(now time.Time) error {
	if o.status != StatusPending {
		return fmt.Errorf("%w: confirm order in status %s", ErrInvalidTransition, o.status)
	}
	if o.compensating {
		return fmt.Errorf("%w: confirm order whose saga is compensating", ErrInvalidTransition)
	}
	for _, s := range Steps {
		if rec, ok := o.Step(s); !ok || rec.State != StepDone {
			return fmt.Errorf("%w: confirm order before step %s is done", ErrInvalidTransition, s)
		}
	}
	now = normalize(now)
	o.status = StatusConfirmed
	o.updatedAt = now
	o.record(EventConfirmed, now)
	return nil
}

// Cancel ends the saga unsuccessfully with a reason. Running the compensations before
// cancelling is the saga's job; the order only requires that it is still PENDING.
// Records order.cancelled.
func (o *Order) Cancel(reason string, now time.Time) error {
	if o.status != StatusPending {
		return fmt.Errorf("%w: cancel order in status %s", ErrInvalidTransition, o.status)
	}
	if reason == "" {
		return fmt.Errorf("%w: a cancellation needs a reason", ErrInvalidTransition)
	}
	now = normalize(now)
	o.status = StatusCancelled
	o.cancellationReason = reason
	o.updatedAt = now
	o.record(EventCancelled, now)
	return nil
}

// Events returns the events recorded since the order was last stored.
func (o *Order) Events() []Event { return append([]Event(nil), o.events...) }

// PopEvents returns the recorded events and forgets them. Repositories call it when the
// events were written together with the order.
func (o *Order) PopEvents() []Event {
	ev := o.events
	o.events = nil
	return ev
}

// MarkStored is called by a repository after the order was written: it bumps the
// version and forgets the events written with it.
func (o *Order) MarkStored() {
	o.version++
	o.events = nil
}
