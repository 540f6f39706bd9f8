// Package payment is the payments domain: a payment is captured by a charge and may be
// refunded once. Charges and refunds are idempotent by their keys.
package payment

import (
	"errors"
	"fmt"
	"regexp"
)

// Sentinel errors. Callers test them with errors.Is; only the gRPC port maps them to codes.
var (
	ErrMissingIdempotencyKey = errors.New("idempotency key is required")
	ErrMissingOrderID        = errors.New("order id is required")
	ErrMissingPaymentID      = errors.New("payment id is required")
	ErrInvalidAmount         = errors.New("amount must be positive")
	ErrInvalidCurrency       = errors.New("currency must be a three-letter ISO 4217 code")
	ErrDeclined              = errors.New("payment declined")
	ErrNotFound              = errors.New("payment not found")
	ErrAlreadyRefunded       = errors.New("payment already refunded")
	// ErrIdempotencyKeyReused: the key already names a different request.
	ErrIdempotencyKeyReused = errors.New("idempotency key already used for a different request")
)

// Status of a payment.
type Status int

const (
	StatusCaptured Status = iota + 1
	StatusRefunded
)

func (s Status) String() string {
	switch s {
	case StatusCaptured:
		return "captured"
	case StatusRefunded:
		return "refunded"
	default:
		return fmt.Sprintf("Status(%d)", int(s))
	}
}

// ParseStatus is the inverse of Status.String.
func ParseStatus(s string) (Status, error) {
	switch s {
	case "captured":
		return StatusCaptured, nil
	case "refunded":
		return StatusRefunded, nil
	default:
		return 0, fmt.Errorf("unknown payment status %q", s)
	}
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Payment is one captured charge.
type Payment struct {
	id          string
	chargeKey   string
	orderID     string
	amountCents int64
	currency    string
	status      Status
	refundKey   string
}

// NewPayment captures a charge. Use DeclinePolicy.Check first.
func NewPayment(id, chargeKey, orderID string, amountCents int64, currency string) (*Payment, error) {
	if id == "" {
		return nil, ErrMissingPaymentID
	}
	if err := ValidateCharge(chargeKey, orderID, amountCents, currency); err != nil {
		return nil, err
	}
	return &Payment{
		id: id, chargeKey: chargeKey, orderID: orderID,
		amountCents: amountCents, currency: currency, status: StatusCaptured,
	}, nil
}

// ValidateCharge checks a charge request and returns every problem joined.
func ValidateCharge(chargeKey, orderID string, amountCents int64, currency string) error {
	var errs []error
	if chargeKey == "" {
		errs = append(errs, ErrMissingIdempotencyKey)
	}
	if orderID == "" {
		errs = append(errs, ErrMissingOrderID)
	}
	if amountCents <= 0 {
		errs = append(errs, fmt.Errorf("%w: got %d", ErrInvalidAmount, amountCents))
	}
	if !currencyCode.MatchString(currency) {
		errs = append(errs, fmt.Errorf("%w: got %q", ErrInvalidCurrency, currency))
	}
	return errors.Join(errs...)
}

// UnmarshalFromDatabase rebuilds a stored payment. Only repositories use it.
func UnmarshalFromDatabase(id, chargeKey, orderID string, amountCents int64, currency string, status Status, refundKey string) (*Payment, error) {
	p, err := NewPayment(id, chargeKey, orderID, amountCents, currency)
	if err != nil {
		return nil, fmt.Errorf("unmarshal payment %s: %w", id, err)
	}
	switch status {
	case StatusCaptured:
	case StatusRefunded:
		if refundKey == "" {
			return nil, fmt.Errorf("unmarshal payment %s: refunded without a refund key", id)
		}
	default:
		return nil, fmt.Errorf("unmarshal payment %s: invalid status %d", id, status)
	}
	p.status, p.refundKey = status, refundKey
	return p, nil
}

func (p *Payment) ID() string         { return p.id }
func (p *Payment) ChargeKey() string  { return p.chargeKey }
func (p *Payment) OrderID() string    { return p.orderID }
func (p *Payment) AmountCents() int64 { return p.amountCents }
func (p *Payment) Currency() string   { return p.currency }
func (p *Payment) Status() Status     { return p.status }
func (p *Payment) RefundKey() string  { return p.refundKey }
func (p *Payment) IsRefunded() bool   { return p.status == StatusRefunded }

// IsSameCharge reports whether a repeated charge request asks for what p was charged
// for; a key sent again with different terms is ErrIdempotencyKeyReused.
func (p *Payment) IsSameCharge(orderID string, amountCents int64, currency string) bool {
	return p.orderID == orderID && p.amountCents == amountCents && p.currency == currency
}

// Refund refunds the payment under key. Refunding again with the same key changes
// nothing and succeeds (changed is false); with another key it is ErrAlreadyRefunded.
func (p *Payment) Refund(key string) (changed bool, err error) {
	if key == "" {
		return false, ErrMissingIdempotencyKey
	}
	if p.status == StatusRefunded {
		if p.refundKey == key {
			return false, nil
		}
		return false, fmt.Errorf("%w: payment %s", ErrAlreadyRefunded, p.id)
	}
	p.status, p.refundKey = StatusRefunded, key
	return true, nil
}

// DeclinePolicy declines charges above a limit so declines can be tested on demand.
type DeclinePolicy struct {
	AboveCents int64
}

// Check returns ErrDeclined for an amount above the limit.
func (d DeclinePolicy) Check(amountCents int64) error {
	if amountCents > d.AboveCents {
		return fmt.Errorf("%w: %d cents is above the limit of %d", ErrDeclined, amountCents, d.AboveCents)
	}
	return nil
}

// Ledger totals every payment: captured counts every charge ever captured, refunded
// those refunded since, so captured - refunded is the money kept.
type Ledger struct {
	CapturedCents int64
	RefundedCents int64
	Charges       int64
	Refunds       int64
}
