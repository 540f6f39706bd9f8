package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// calls records the dependency calls of a test in the order they happened.
type calls struct {
	mu  sync.Mutex
	log []string
}

func (c *calls) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, s)
}

func (c *calls) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

func (c *calls) count(name string) int {
	n := 0
	for _, s := range c.list() {
		if s == name {
			n++
		}
	}
	return n
}

// compensations returns the compensating calls (release, refund) in order.
func (c *calls) compensations() []string {
	var out []string
	for _, s := range c.list() {
		if s == "release" || s == "refund" {
			out = append(out, s)
		}
	}
	return out
}

type fakeInventory struct {
	calls   *calls
	reserve func(ctx context.Context, n int) error // n counts Reserve calls from 1
	release func(ctx context.Context) error
	mu      sync.Mutex
	n       int
}

func (f *fakeInventory) GetProduct(_ context.Context, sku string) (app.Product, error) {
	f.calls.add("get_product")
	if strings.HasPrefix(sku, "MISSING") {
		return app.Product{}, fmt.Errorf("%w: %s", order.ErrProductNotFound, sku)
	}
	return app.Product{SKU: sku, PriceCents: 1000, Currency: "EUR"}, nil
}

func (f *fakeInventory) Reserve(ctx context.Context, _ string, _ []order.Line) error {
	f.calls.add("reserve")
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	if f.reserve != nil {
		return f.reserve(ctx, n)
	}
	return nil
}

func (f *fakeInventory) Release(ctx context.Context, _ string) error {
	f.calls.add("release")
	if f.release != nil {
		return f.release(ctx)
	}
	return nil
}

type fakePayments struct {
	calls  *calls
	charge func(ctx context.Context, n int) (string, error) // n counts Charge calls from 1
	refund func(ctx context.Context, paymentID string) error
	mu     sync.Mutex
	n      int
	keys   []string
	open   bool // BreakerOpen's answer
}

func (f *fakePayments) BreakerOpen() bool { return f.open }

func (f *fakePayments) Charge(ctx context.Context, c app.Charge) (string, error) {
	f.calls.add("charge")
	f.mu.Lock()
	f.n++
	n := f.n
	f.keys = append(f.keys, c.IdempotencyKey)
	f.mu.Unlock()
	if f.charge != nil {
		return f.charge(ctx, n)
	}
	return "pay-" + c.OrderID, nil
}

func (f *fakePayments) Refund(ctx context.Context, _ string, paymentID string) error {
	f.calls.add("refund")
	if f.refund != nil {
		return f.refund(ctx, paymentID)
	}
	return nil
}

var errDown = fmt.Errorf("%w: connection refused", app.ErrDependencyUnavailable)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func fastRetry() app.RetryPolicy {
	return app.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
}

type rig struct {
	repo      *adapters.MemoryRepository
	inventory *fakeInventory
	payments  *fakePayments
	calls     *calls
	runner    *app.SagaRunner
}

func newRig(t *testing.T, sb app.Sabotage, direct app.EventPublisher) *rig {
	t.Helper()
	c := &calls{}
	r := &rig{
		repo:      adapters.NewMemoryRepository(),
		inventory: &fakeInventory{calls: c},
		payments:  &fakePayments{calls: c},
		calls:     c,
	}
	r.runner = r.newRunner(t, sb, direct)
	return r
}

// newRunner is a runner as a new process would have it: same database and dependencies.
func (r *rig) newRunner(t *testing.T, sb app.Sabotage, direct app.EventPublisher) *app.SagaRunner {
	t.Helper()
	retry := fastRetry()
	retry.Storm = sb.RetryStorm
	runner, err := app.NewSagaRunner(app.SagaRunnerConfig{
		Repository: r.repo, Inventory: r.inventory, Payments: r.payments,
		Retry: retry, Sabotage: sb, Direct: direct, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := runner.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return runner
}

// addOrder stores a new PENDING order as CreateOrder would.
func (r *rig) addOrder(t *testing.T, key string) *order.Order {
	t.Helper()
	o, err := order.New(key+"-id", key, "c-1", "EUR", []order.Line{
		{SKU: "SKU-1", Quantity: 2, UnitPriceCents: 1000},
		{SKU: "SKU-2", Quantity: 1, UnitPriceCents: 500},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.repo.Add(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func (r *rig) get(t *testing.T, id string) *order.Order {
	t.Helper()
	o, err := r.repo.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// eventTypes lists the outbox event types of an order in written order.
func (r *rig) eventTypes(t *testing.T, orderID string) []string {
	t.Helper()
	msgs, err := r.repo.PendingMessages(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.OrderID == orderID {
			out = append(out, m.EventType)
		}
	}
	return out
}
