package adapters

import (
	"context"
	"fmt"
	"sync"

	"faultline.dev/shop/payments/internal/domain/payment"
)

// PaymentMemoryRepository keeps payments in memory (tests, local runs). It holds copies,
// so callers cannot change stored payments behind its back.
type PaymentMemoryRepository struct {
	mu          sync.Mutex
	byID        map[string]payment.Payment
	byChargeKey map[string]string // charge key -> id
	byRefundKey map[string]string // refund key -> id
}

// NewPaymentMemoryRepository returns an empty repository.
func NewPaymentMemoryRepository() *PaymentMemoryRepository {
	return &PaymentMemoryRepository{
		byID:        map[string]payment.Payment{},
		byChargeKey: map[string]string{},
		byRefundKey: map[string]string{},
	}
}

var _ payment.Repository = (*PaymentMemoryRepository)(nil)

// AddIfAbsent stores p unless its charge key is taken.
func (r *PaymentMemoryRepository) AddIfAbsent(_ context.Context, p *payment.Payment) (*payment.Payment, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byChargeKey[p.ChargeKey()]; ok {
		stored := r.byID[id]
		return &stored, false, nil
	}
	if _, ok := r.byID[p.ID()]; ok {
		return nil, false, fmt.Errorf("insert payment: id %s already exists", p.ID())
	}
	r.byID[p.ID()] = *p
	r.byChargeKey[p.ChargeKey()] = p.ID()
	if k := p.RefundKey(); k != "" {
		r.byRefundKey[k] = p.ID()
	}
	stored := *p
	return &stored, true, nil
}

// Update runs fn on a copy and stores it if fn succeeds.
func (r *PaymentMemoryRepository) Update(_ context.Context, id string, fn func(p *payment.Payment) error) (*payment.Payment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stored, ok := r.byID[id]
	if !ok {
		return nil, payment.ErrNotFound
	}
	p := stored
	if err := fn(&p); err != nil {
		return nil, err
	}
	if k := p.RefundKey(); k != "" && k != stored.RefundKey() {
		if other, taken := r.byRefundKey[k]; taken && other != id {
			return nil, fmt.Errorf("refund key %q: %w", k, payment.ErrIdempotencyKeyReused)
		}
		r.byRefundKey[k] = id
	}
	r.byID[id] = p
	out := p
	return &out, nil
}

// ByID returns a copy of the payment with the id.
func (r *PaymentMemoryRepository) ByID(_ context.Context, id string) (*payment.Payment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.byID[id]
	if !ok {
		return nil, payment.ErrNotFound
	}
	return &p, nil
}

// Ledger totals the stored payments.
func (r *PaymentMemoryRepository) Ledger(context.Context) (payment.Ledger, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var l payment.Ledger
	for _, p := range r.byID {
		l.Charges++
		l.CapturedCents += p.AmountCents()
		if p.IsRefunded() {
			l.Refunds++
			l.RefundedCents += p.AmountCents()
		}
	}
	return l, nil
}
