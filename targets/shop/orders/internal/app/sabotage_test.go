package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// no-compensation: a declined payment leaves the stock reserved.
func TestSabotage_noCompensation(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			r := newRig(t, app.Sabotage{NoCompensation: on}, nil)
			r.payments.charge = func(context.Context, int) (string, error) { return "", order.ErrPaymentDeclined }
			o := r.addOrder(t, "k1")
			got, err := r.runner.Run(context.Background(), o.ID())
			if err != nil {
				t.Fatal(err)
			}
			if got.Status() != order.StatusCancelled {
				t.Fatalf("status %s, want CANCELLED either way", got.Status())
			}
			released := r.calls.count("release")
			if on && released != 0 {
				t.Errorf("sabotage on: release ran %d times; the stock should stay reserved", released)
			}
			if !on && released != 1 {
				t.Errorf("sabotage off: release ran %d times, want once", released)
			}
		})
	}
}

// retry-storm: a failing dependency is hammered without pause or limit.
func TestSabotage_retryStorm(t *testing.T) {
	const outage = 500 // Reserve fails this many times, then inventory recovers
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			r := newRig(t, app.Sabotage{RetryStorm: on}, nil)
			var mu sync.Mutex
			var last time.Time
			var minGap time.Duration = time.Hour
			r.inventory.reserve = func(_ context.Context, n int) error {
				mu.Lock()
				defer mu.Unlock()
				if !last.IsZero() {
					minGap = min(minGap, time.Since(last))
				}
				last = time.Now()
				if n <= outage {
					return errDown
				}
				return nil
			}
			o := r.addOrder(t, "k1")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := r.runner.Run(ctx, o.ID())
			if err != nil {
				t.Fatal(err)
			}
			reserves := r.calls.count("reserve")
			if on {
				if reserves != outage+1 || got.Status() != order.StatusConfirmed {
					t.Errorf("sabotage on: %d reserve calls, status %s; want %d calls hammering until it recovered", reserves, got.Status(), outage+1)
				}
				return
			}
			if reserves != fastRetry().MaxAttempts || got.Status() != order.StatusCancelled {
				t.Errorf("sabotage off: %d reserve calls, status %s; want %d attempts then cancel", reserves, got.Status(), fastRetry().MaxAttempts)
			}
			if minGap < fastRetry().InitialBackoff/2 {
				t.Errorf("sabotage off: retried after %v, want at least half the initial backoff", minGap)
			}
		})
	}
}

type failingDirect struct {
	mu       sync.Mutex
	attempts int
}

func (f *failingDirect) PublishEvent(context.Context, order.Event) error {
	f.mu.Lock()
	f.attempts++
	f.mu.Unlock()
	return errors.New("kafka: broker not available")
}

// dual-write: with the broker down, the client is told the order failed although it is
// stored, and its events are gone: the outbox never had them.
func TestSabotage_dualWrite(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			sb := app.Sabotage{DualWrite: on}
			direct := &failingDirect{}
			r := newRig(t, sb, direct)
			h := newCreateHandler(t, r, sb, direct)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			o, err := h.Handle(ctx, cmd("k1"))
			stored, getErr := r.repo.GetByIdempotencyKey(context.Background(), "k1")
			if getErr != nil {
				t.Fatalf("order not stored: %v", getErr)
			}
			if on {
				if err == nil {
					t.Error("sabotage on: CreateOrder succeeded although publishing failed")
				}
				if direct.attempts == 0 {
					t.Error("sabotage on: nothing was published in the request path")
				}
				if ev := r.eventTypes(t, stored.ID()); len(ev) != 0 {
					t.Errorf("sabotage on: outbox has %v; the events should be lost", ev)
				}
				return
			}
			if err != nil {
				t.Fatalf("sabotage off: %v", err)
			}
			if direct.attempts != 0 {
				t.Errorf("sabotage off: %d direct publishes, want none", direct.attempts)
			}
			if ev := r.eventTypes(t, o.ID()); len(ev) != 2 {
				t.Errorf("sabotage off: outbox has %v, want created and confirmed kept for the relay", ev)
			}
		})
	}
}
