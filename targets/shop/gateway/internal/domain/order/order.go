// Package order is the gateway's view of an order: what a client may ask to place, and what
// it is shown. The gateway owns no orders; the orders service decides everything else.
package order

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

var (
	// ErrInvalid reports a placement or lookup the orders service can never accept as sent.
	ErrInvalid = errors.New("invalid order request")
	// ErrNotFound reports an unknown order ID.
	ErrNotFound = errors.New("order not found")
	// ErrRejected reports a well-formed request that the orders service refuses in the
	// current state of the system (a failed precondition).
	ErrRejected = errors.New("order rejected")
	// ErrConflict reports a request that conflicts with another one (an idempotency key
	// reused for a different order, a concurrent change).
	ErrConflict = errors.New("order conflict")
)

// Limits a placement must respect.
const (
	MaxLines             = 100
	MaxQuantity          = 1000
	MaxIdempotencyKeyLen = 255
	MaxIDLen             = 128
)

// Status is where an order is in its saga.
type Status string

// The order statuses. Pending orders are still running their saga; the others are terminal.
const (
	StatusPending   Status = "pending"
	StatusConfirmed Status = "confirmed"
	StatusCancelled Status = "cancelled"
	StatusUnknown   Status = "unknown"
)

// Terminal tells whether the saga of an order in this status has finished.
func (s Status) Terminal() bool { return s == StatusConfirmed || s == StatusCancelled }

// Line is one SKU of an order. UnitPriceCents is set by the orders service.
type Line struct {
	SKU            string
	Quantity       int32
	UnitPriceCents int64
}

// Order is an order as the orders service reports it.
type Order struct {
	ID                 string
	CustomerID         string
	Currency           string
	Lines              []Line
	TotalCents         int64
	Status             Status
	CancellationReason string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Placement is a validated request to place an order.
type Placement struct {
	// IdempotencyKey, when set, makes a repeated placement return the order first created
	// with it.
	IdempotencyKey string
	CustomerID     string
	Currency       string
	Lines          []Line
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// NewPlacement validates a placement. Every problem is reported together, each wrapping
// ErrInvalid. The currency is upper-cased ("eur" is EUR).
func NewPlacement(idempotencyKey, customerID, currency string, lines []Line) (Placement, error) {
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if len(idempotencyKey) > MaxIdempotencyKeyLen {
		bad("idempotency key is longer than %d bytes", MaxIdempotencyKeyLen)
	}
	if strings.IndexFunc(idempotencyKey, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		bad("idempotency key has non-printable characters")
	}
	if strings.TrimSpace(customerID) == "" {
		bad("customer_id is required")
	} else if len(customerID) > MaxIDLen {
		bad("customer_id is longer than %d bytes", MaxIDLen)
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !currencyCode.MatchString(currency) {
		bad("currency %q is not a three-letter ISO 4217 code", currency)
	}
	switch {
	case len(lines) == 0:
		bad("lines: at least one line is required")
	case len(lines) > MaxLines:
		bad("lines: at most %d lines, got %d", MaxLines, len(lines))
	}
	seen := make(map[string]bool, len(lines))
	out := make([]Line, 0, len(lines))
	for i, l := range lines {
		sku := strings.TrimSpace(l.SKU)
		switch {
		case sku == "":
			bad("lines[%d]: sku is required", i)
		case seen[sku]:
			bad("lines[%d]: sku %q appears more than once", i, sku)
		}
		seen[sku] = true
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			bad("lines[%d]: quantity must be between 1 and %d, got %d", i, MaxQuantity, l.Quantity)
		}
		out = append(out, Line{SKU: sku, Quantity: l.Quantity})
	}
	if err := errors.Join(problems...); err != nil {
		return Placement{}, err
	}
	return Placement{IdempotencyKey: idempotencyKey, CustomerID: customerID, Currency: currency, Lines: out}, nil
}

// ValidateID checks an order ID taken from a URL before it is looked up.
func ValidateID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return fmt.Errorf("%w: order id is required", ErrInvalid)
	case len(id) > MaxIDLen:
		return fmt.Errorf("%w: order id is longer than %d bytes", ErrInvalid, MaxIDLen)
	}
	return nil
}
