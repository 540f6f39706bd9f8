package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

func TestSaga_happyPathConfirmsWithoutCompensation(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusConfirmed || got.PaymentID() != "pay-"+o.ID() {
		t.Fatalf("status %s payment %q, want CONFIRMED", got.Status(), got.PaymentID())
	}
	if want := []string{"reserve", "charge"}; !slices.Equal(r.calls.list(), want) {
		t.Errorf("calls = %v, want %v", r.calls.list(), want)
	}
	if r.payments.keys[0] != app.ChargeKey(o.ID()) {
		t.Errorf("charge key = %q, want one derived from the order id", r.payments.keys[0])
	}
	if want := []string{"order.created", "order.confirmed"}; !slices.Equal(r.eventTypes(t, o.ID()), want) {
		t.Errorf("outbox = %v, want %v", r.eventTypes(t, o.ID()), want)
	}
}

func TestSaga_paymentDeclineReleasesStockOnce(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	r.payments.charge = func(context.Context, int) (string, error) {
		return "", fmt.Errorf("%w: over the limit", order.ErrPaymentDeclined)
	}
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "payment declined" {
		t.Fatalf("status %s reason %q, want CANCELLED payment declined", got.Status(), got.CancellationReason())
	}
	// a decline is not retried; the charge took no effect, so only the reservation is undone
	if want := []string{"reserve", "charge", "release"}; !slices.Equal(r.calls.list(), want) {
		t.Errorf("calls = %v, want %v", r.calls.list(), want)
	}
	if want := []string{"order.created", "order.cancelled"}; !slices.Equal(r.eventTypes(t, o.ID()), want) {
		t.Errorf("outbox = %v, want %v", r.eventTypes(t, o.ID()), want)
	}
	// running it again (a duplicate recovery) changes nothing and compensates nothing twice
	if _, err := r.runner.Run(context.Background(), o.ID()); err != nil {
		t.Fatal(err)
	}
	if n := r.calls.count("release"); n != 1 {
		t.Errorf("release ran %d times, want once", n)
	}
}

func TestSaga_insufficientStockCancelsWithNothingToUndo(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	r.inventory.reserve = func(context.Context, int) error {
		return fmt.Errorf("%w: SKU-1 has 1", order.ErrInsufficientStock)
	}
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "insufficient stock" {
		t.Fatalf("status %s reason %q", got.Status(), got.CancellationReason())
	}
	// the refused reservation reserved nothing: no release, no charge, no refund
	if want := []string{"reserve"}; !slices.Equal(r.calls.list(), want) {
		t.Errorf("calls = %v, want %v", r.calls.list(), want)
	}
}

// A charge that timed out may have captured money: after the retries the saga
// compensates it too, in reverse order: refund first, then release, each once.
func TestSaga_technicalFailureCompensatesInReverseOrder(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	attempts := fastRetry().MaxAttempts
	r.payments.charge = func(_ context.Context, n int) (string, error) {
		if n <= attempts {
			return "", fmt.Errorf("charge %d: %w", n, errDown) // captured, but the answer was lost
		}
		return "pay-1", nil // the replay by idempotency key finds the captured payment
	}
	var refunded string
	r.payments.refund = func(_ context.Context, id string) error { refunded = id; return nil }
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "payments unavailable" {
		t.Fatalf("status %s reason %q, want CANCELLED payments unavailable", got.Status(), got.CancellationReason())
	}
	if n := r.calls.count("charge"); n != attempts+1 {
		t.Errorf("charge called %d times, want %d attempts and one replay", n, attempts+1)
	}
	if want := []string{"refund", "release"}; !slices.Equal(r.calls.compensations(), want) {
		t.Errorf("compensations = %v, want %v", r.calls.compensations(), want)
	}
	if refunded != "pay-1" {
		t.Errorf("refunded %q, want pay-1", refunded)
	}
	for _, s := range order.Steps {
		if rec, _ := got.Step(s); rec.State != order.StepCompensated {
			t.Errorf("step %s is %s, want compensated", s, rec.State)
		}
	}
}

// A compensation that keeps failing leaves the order PENDING and compensating, with
// the compensations done so far stored; the next run finishes without repeating them.
func TestSaga_failedCompensationIsResumedNotRepeated(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	r.payments.charge = func(context.Context, int) (string, error) {
		return "", order.ErrPaymentDeclined
	}
	releaseDown := true
	r.inventory.release = func(context.Context) error {
		if releaseDown {
			return errDown
		}
		return nil
	}
	o := r.addOrder(t, "k1")
	if _, err := r.runner.Run(context.Background(), o.ID()); err == nil {
		t.Fatal("Run reported success while the release kept failing")
	}
	if got := r.get(t, o.ID()); got.Status() != order.StatusPending || !got.Compensating() {
		t.Fatalf("status %s compensating %v, want PENDING and compensating", got.Status(), got.Compensating())
	}
	releaseDown = false
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || r.calls.count("charge") != 1 {
		t.Errorf("status %s, charges %d; want CANCELLED after one charge", got.Status(), r.calls.count("charge"))
	}
}

func TestSaga_chargeRefusedByOpenBreakerIsNotRefunded(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	r.payments.charge = func(context.Context, int) (string, error) {
		return "", fmt.Errorf("%w: %w: payments Charge: circuit breaker: open", app.ErrDependencyUnavailable, app.ErrNotSent)
	}
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "payments unavailable" {
		t.Fatalf("status %s reason %q, want CANCELLED payments unavailable", got.Status(), got.CancellationReason())
	}
	// the charge never reached payments: no replay, no refund; only the reservation is undone
	if n := r.calls.count("refund"); n != 0 {
		t.Errorf("refunds = %d, want 0 (calls %v)", n, r.calls.list())
	}
	if n := r.calls.count("release"); n != 1 {
		t.Errorf("releases = %d, want 1 (calls %v)", n, r.calls.list())
	}
}

// A refusal by the open breaker ends the step at once: one attempt, no backoff, so the order
// fails fast (the breaker's half-open probe decides when payments is tried again).
func TestSaga_chargeRefusedByOpenBreakerIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name string
		sb   app.Sabotage
		want int
	}{
		{"correct", app.Sabotage{}, 1},
		{"retry-open-breaker sabotage", app.Sabotage{RetryOpenBreaker: true}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.sb, nil)
			r.payments.charge = func(context.Context, int) (string, error) {
				return "", fmt.Errorf("%w: %w: payments Charge: circuit breaker: open", app.ErrDependencyUnavailable, app.ErrNotSent)
			}
			o := r.addOrder(t, "k1")
			got, err := r.runner.Run(context.Background(), o.ID())
			if err != nil {
				t.Fatal(err)
			}
			if got.Status() != order.StatusCancelled {
				t.Fatalf("status %s, want CANCELLED", got.Status())
			}
			if n := r.calls.count("charge"); n != tc.want {
				t.Errorf("charge attempts = %d, want %d (calls %v)", n, tc.want, r.calls.list())
			}
		})
	}
}

// With payments' breaker open before the saga starts, the order fails at once: no step is
// taken, so nothing is reserved, charged or undone. The retry-open-breaker sabotage goes on
// into the steps (and their retries) as before.
func TestSaga_openBreakerUpFrontCancelsWithoutAnyStep(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	r.payments.open = true
	o := r.addOrder(t, "k1")
	got, err := r.runner.Run(context.Background(), o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "payments unavailable" {
		t.Fatalf("status %s reason %q, want CANCELLED payments unavailable", got.Status(), got.CancellationReason())
	}
	if calls := r.calls.list(); len(calls) != 0 {
		t.Errorf("calls = %v, want none", calls)
	}
	if want := []string{"order.created", "order.cancelled"}; !slices.Equal(r.eventTypes(t, o.ID()), want) {
		t.Errorf("outbox = %v, want %v", r.eventTypes(t, o.ID()), want)
	}

	s := newRig(t, app.Sabotage{RetryOpenBreaker: true}, nil)
	s.payments.open = true
	s.payments.charge = func(context.Context, int) (string, error) {
		return "", fmt.Errorf("%w: %w: payments Charge: circuit breaker: open", app.ErrDependencyUnavailable, app.ErrNotSent)
	}
	o = s.addOrder(t, "k2")
	if _, err := s.runner.Run(context.Background(), o.ID()); err != nil {
		t.Fatal(err)
	}
	if n := s.calls.count("reserve"); n != 1 {
		t.Errorf("sabotaged: reserves = %d, want 1 (calls %v)", n, s.calls.list())
	}
}
