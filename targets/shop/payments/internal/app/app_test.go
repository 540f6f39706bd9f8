package app_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"faultline.dev/shop/payments/internal/adapters"
	"faultline.dev/shop/payments/internal/app"
	"faultline.dev/shop/payments/internal/domain/payment"
)

func newApp() app.Application {
	var n atomic.Int64
	return app.NewApplication(adapters.NewPaymentMemoryRepository(), payment.DeclinePolicy{AboveCents: 100000},
		func() string { return fmt.Sprintf("pay-%d", n.Add(1)) })
}

func charge(key, order string, amount int64) app.Charge {
	return app.Charge{IdempotencyKey: key, OrderID: order, AmountCents: amount, Currency: "EUR"}
}

func TestCharge_sameKeyReturnsTheSamePaymentAndChargesOnce(t *testing.T) {
	a := newApp()
	ctx := t.Context()

	first, err := a.Commands.Charge.Handle(ctx, charge("k-1", "order-1", 2500))
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	again, err := a.Commands.Charge.Handle(ctx, charge("k-1", "order-1", 2500))
	if err != nil {
		t.Fatalf("Charge again: %v", err)
	}
	if again.ID() != first.ID() {
		t.Errorf("repeated key gave payment %s, want %s", again.ID(), first.ID())
	}
	ledger, err := a.Queries.GetLedger.Handle(ctx)
	if err != nil {
		t.Fatalf("GetLedger: %v", err)
	}
	if ledger.Charges != 1 || ledger.CapturedCents != 2500 {
		t.Errorf("ledger = %+v, want one charge of 2500", ledger)
	}
}

func TestCharge_concurrentDuplicatesChargeOnce(t *testing.T) {
	a := newApp()
	ctx := t.Context()
	ids := make(chan string, 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			p, err := a.Commands.Charge.Handle(ctx, charge("k-dup", "order-1", 700))
			if err != nil {
				t.Errorf("Charge: %v", err)
				return
			}
			ids <- p.ID()
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	ledger, err := a.Queries.GetLedger.Handle(ctx)
	if err != nil {
		t.Fatalf("GetLedger: %v", err)
	}
	if len(seen) != 1 || ledger.Charges != 1 || ledger.CapturedCents != 700 {
		t.Errorf("payment ids %v, ledger %+v; want one payment of 700", seen, ledger)
	}
}

func TestCharge_aboveTheLimitIsDeclinedAndCapturesNothing(t *testing.T) {
	a := newApp()
	_, err := a.Commands.Charge.Handle(t.Context(), charge("k-big", "order-1", 100001))
	if !errors.Is(err, payment.ErrDeclined) {
		t.Fatalf("Charge(100001) = %v, want ErrDeclined", err)
	}
	ledger, err := a.Queries.GetLedger.Handle(t.Context())
	if err != nil {
		t.Fatalf("GetLedger: %v", err)
	}
	if ledger != (payment.Ledger{}) {
		t.Errorf("ledger after a decline = %+v, want empty", ledger)
	}
}

func TestCharge_keyReusedWithDifferentTermsIsRefused(t *testing.T) {
	a := newApp()
	if _, err := a.Commands.Charge.Handle(t.Context(), charge("k-1", "order-1", 2500)); err != nil {
		t.Fatalf("Charge: %v", err)
	}
	_, err := a.Commands.Charge.Handle(t.Context(), charge("k-1", "order-1", 9999))
	if !errors.Is(err, payment.ErrIdempotencyKeyReused) {
		t.Errorf("Charge with reused key = %v, want ErrIdempotencyKeyReused", err)
	}
}

func TestCharge_invalidRequestIsRefused(t *testing.T) {
	a := newApp()
	_, err := a.Commands.Charge.Handle(t.Context(), app.Charge{})
	if !errors.Is(err, payment.ErrMissingIdempotencyKey) || !errors.Is(err, payment.ErrInvalidAmount) {
		t.Errorf("Charge(empty) = %v, want every validation problem", err)
	}
}

func TestRefund_refundsOnceAndBalancesTheLedger(t *testing.T) {
	a := newApp()
	ctx := t.Context()
	kept, err := a.Commands.Charge.Handle(ctx, charge("k-1", "order-1", 1000))
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	refunded, err := a.Commands.Charge.Handle(ctx, charge("k-2", "order-2", 300))
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}

	for range 3 {
		p, err := a.Commands.Refund.Handle(ctx, app.Refund{IdempotencyKey: "r-2", PaymentID: refunded.ID()})
		if err != nil || !p.IsRefunded() {
			t.Fatalf("Refund = %v, %v; want refunded every time with the same key", p, err)
		}
	}
	_, err = a.Commands.Refund.Handle(ctx, app.Refund{IdempotencyKey: "r-other", PaymentID: refunded.ID()})
	if !errors.Is(err, payment.ErrAlreadyRefunded) {
		t.Errorf("second refund with another key = %v, want ErrAlreadyRefunded", err)
	}

	ledger, err := a.Queries.GetLedger.Handle(ctx)
	if err != nil {
		t.Fatalf("GetLedger: %v", err)
	}
	want := payment.Ledger{CapturedCents: 1300, RefundedCents: 300, Charges: 2, Refunds: 1}
	if ledger != want {
		t.Errorf("ledger = %+v, want %+v", ledger, want)
	}
	if ledger.CapturedCents-ledger.RefundedCents != kept.AmountCents() {
		t.Errorf("captured - refunded = %d, want the kept %d", ledger.CapturedCents-ledger.RefundedCents, kept.AmountCents())
	}
}

func TestRefund_unknownPaymentIsNotFound(t *testing.T) {
	a := newApp()
	_, err := a.Commands.Refund.Handle(t.Context(), app.Refund{IdempotencyKey: "r", PaymentID: "nope"})
	if !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Refund(unknown) = %v, want ErrNotFound", err)
	}
	_, err = a.Commands.Refund.Handle(t.Context(), app.Refund{PaymentID: "nope"})
	if !errors.Is(err, payment.ErrMissingIdempotencyKey) {
		t.Errorf("Refund(no key) = %v, want ErrMissingIdempotencyKey", err)
	}
}
