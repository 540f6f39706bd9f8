package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// repository is what both adapters implement.
type repository interface {
	order.Repository
	app.OutboxStore
}

// TestRepository_contract runs one contract against every adapter.
func TestRepository_contract(t *testing.T) {
	adaptersUnderTest := map[string]func(t *testing.T) repository{
		"memory": func(*testing.T) repository { return adapters.NewMemoryRepository() },
		"postgres": func(t *testing.T) repository {
			return adapters.NewOrderPostgresRepository(postgresPool(t))
		},
	}
	contract := map[string]func(t *testing.T, r repository){
		"add then get reads the same order":                  testAddGet,
		"a repeated idempotency key returns the first order": testIdempotencyKey,
		"concurrent adds with one key create one order":      testConcurrentAdd,
		"unknown orders are not found":                       testNotFound,
		"save stores saga progress and events atomically":    testSave,
		"save of a stale version is a concurrent update":     testStaleSave,
		"stale pending orders are listed oldest first":       testListStalePending,
		"the outbox keeps written order until marked sent":   testOutbox,
	}
	for name, newRepo := range adaptersUnderTest {
		t.Run(name, func(t *testing.T) {
			for cname, c := range contract {
				t.Run(cname, func(t *testing.T) { c(t, newRepo(t)) })
			}
		})
	}
}

var t0 = time.Date(2026, 11, 25, 2, 16, 27, 123456789, time.UTC)

func newOrder(t *testing.T, id string, at time.Time) *order.Order {
	t.Helper()
	o, err := order.New(id, "key-"+id, "c-1", "EUR", []order.Line{
		{SKU: "SKU-2", Quantity: 2, UnitPriceCents: 1250},
		{SKU: "SKU-1", Quantity: 1, UnitPriceCents: 500},
	}, at)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func add(t *testing.T, r repository, o *order.Order) {
	t.Helper()
	if _, created, err := r.Add(context.Background(), o); err != nil || !created {
		t.Fatalf("Add = created %v, %v", created, err)
	}
}

func equalSnapshots(t *testing.T, got, want order.Snapshot) {
	t.Helper()
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
}

func testAddGet(t *testing.T, r repository) {
	ctx := context.Background()
	o := newOrder(t, "o-1", t0)
	add(t, r, o)
	if o.Version() != 1 || len(o.Events()) != 0 {
		t.Errorf("after Add: version %d, %d events left; want 1 and 0", o.Version(), len(o.Events()))
	}
	got, err := r.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	equalSnapshots(t, got.Snapshot(), o.Snapshot())
	byKey, err := r.GetByIdempotencyKey(ctx, "key-o-1")
	if err != nil || byKey.ID() != "o-1" {
		t.Fatalf("GetByIdempotencyKey = %v, %v", byKey, err)
	}
}

func testIdempotencyKey(t *testing.T, r repository) {
	ctx := context.Background()
	first := newOrder(t, "o-1", t0)
	add(t, r, first)
	o2, err := order.New("o-2", "key-o-1", "c-2", "EUR", []order.Line{{SKU: "X", Quantity: 1}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	stored, created, err := r.Add(ctx, o2)
	if err != nil || created || stored.ID() != "o-1" {
		t.Fatalf("Add with a used key = %v, created %v, %v; want o-1, false", stored, created, err)
	}
	if _, err := r.Get(ctx, "o-2"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("the second order was stored: %v", err)
	}
	msgs, err := r.PendingMessages(ctx, 100)
	if err != nil || len(msgs) != 1 {
		t.Errorf("outbox = %d messages, %v; want only the first order's", len(msgs), err)
	}
}

func testConcurrentAdd(t *testing.T, r repository) {
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := order.New(fmt.Sprintf("o-%d", i), "same-key", "c", "EUR", []order.Line{{SKU: "A", Quantity: 1}}, t0)
			if err != nil {
				errs[i] = err
				return
			}
			stored, _, err := r.Add(context.Background(), o)
			if err == nil {
				ids[i] = stored.ID()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range 8 {
		if errs[i] != nil {
			t.Fatalf("Add %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("adds returned different orders %v", ids)
		}
	}
}

func testNotFound(t *testing.T, r repository) {
	ctx := context.Background()
	if _, err := r.Get(ctx, "nope"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if _, err := r.GetByIdempotencyKey(ctx, "nope"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("GetByIdempotencyKey: %v, want ErrNotFound", err)
	}
	o := newOrder(t, "ghost", t0)
	o.MarkStored()
	if err := r.Save(ctx, o); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("Save: %v, want ErrNotFound", err)
	}
}

func testSave(t *testing.T, r repository) {
	ctx := context.Background()
	o := newOrder(t, "o-1", t0)
	add(t, r, o)
	steps := []func() error{
		func() error { return o.StartStep(order.StepReserveStock, t0.Add(time.Second)) },
		func() error { return o.CompleteStep(order.StepReserveStock, "", t0.Add(2*time.Second)) },
		func() error { return o.StartStep(order.StepChargePayment, t0.Add(3*time.Second)) },
		func() error { return o.CompleteStep(order.StepChargePayment, "pay-1", t0.Add(4*time.Second)) },
		func() error { return o.Confirm(t0.Add(5 * time.Second)) },
	}
	for i, change := range steps {
		if err := change(); err != nil {
			t.Fatal(err)
		}
		if err := r.Save(ctx, o); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	got, err := r.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version() != 6 || got.Status() != order.StatusConfirmed || got.PaymentID() != "pay-1" {
		t.Errorf("version %d status %s payment %q", got.Version(), got.Status(), got.PaymentID())
	}
	equalSnapshots(t, got.Snapshot(), o.Snapshot())
	msgs, err := r.PendingMessages(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].EventType != "order.created" || msgs[1].EventType != "order.confirmed" {
		t.Fatalf("outbox = %+v, want created then confirmed", msgs)
	}
}

func testStaleSave(t *testing.T, r repository) {
	ctx := context.Background()
	add(t, r, newOrder(t, "o-1", t0))
	a, err := r.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Cancel("payment declined", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := b.Cancel("insufficient stock", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(ctx, b); !errors.Is(err, order.ErrConcurrentUpdate) {
		t.Fatalf("stale save: %v, want ErrConcurrentUpdate", err)
	}
	got, err := r.Get(ctx, "o-1")
	if err != nil || got.CancellationReason() != "payment declined" {
		t.Errorf("stored reason %q, %v; the stale save overwrote it", got.CancellationReason(), err)
	}
	if msgs, err := r.PendingMessages(ctx, 100); err != nil || len(msgs) != 2 {
		t.Errorf("outbox has %d messages, %v; the stale save's event must not be stored", len(msgs), err)
	}
}

func testListStalePending(t *testing.T, r repository) {
	ctx := context.Background()
	add(t, r, newOrder(t, "newer", t0.Add(-time.Minute)))
	add(t, r, newOrder(t, "older", t0.Add(-time.Hour)))
	add(t, r, newOrder(t, "fresh", t0))
	done := newOrder(t, "done", t0.Add(-2*time.Hour))
	add(t, r, done)
	if err := done.Cancel("x", t0.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(ctx, done); err != nil {
		t.Fatal(err)
	}
	ids, err := r.ListStalePending(ctx, t0.Add(-time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[older newer]" {
		t.Errorf("stale = %v, want [older newer]", ids)
	}
	if ids, err := r.ListStalePending(ctx, t0.Add(-time.Second), 1); err != nil || fmt.Sprint(ids) != "[older]" {
		t.Errorf("stale with limit 1 = %v, %v", ids, err)
	}
}

func testOutbox(t *testing.T, r repository) {
	ctx := context.Background()
	a, b := newOrder(t, "a", t0), newOrder(t, "b", t0)
	add(t, r, a)
	add(t, r, b)
	if err := a.Cancel("payment declined", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(ctx, a); err != nil {
		t.Fatal(err)
	}
	msgs, err := r.PendingMessages(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.OrderID+":"+m.EventType)
		if m.Seq == 0 || m.EventID == "" || len(m.Payload) == 0 || m.Headers == nil || m.CreatedAt.IsZero() {
			t.Errorf("incomplete message %+v", m)
		}
	}
	if fmt.Sprint(got) != "[a:order.created b:order.created a:order.cancelled]" {
		t.Fatalf("outbox = %v", got)
	}
	if msgs[0].Seq >= msgs[1].Seq || msgs[1].Seq >= msgs[2].Seq {
		t.Errorf("seq not increasing: %d %d %d", msgs[0].Seq, msgs[1].Seq, msgs[2].Seq)
	}
	if first, err := r.PendingMessages(ctx, 1); err != nil || len(first) != 1 || first[0].EventID != msgs[0].EventID {
		t.Errorf("limit 1 = %+v, %v", first, err)
	}
	if err := r.MarkSent(ctx, []string{msgs[0].EventID, msgs[2].EventID}); err != nil {
		t.Fatal(err)
	}
	left, err := r.PendingMessages(ctx, 100)
	if err != nil || len(left) != 1 || left[0].EventID != msgs[1].EventID {
		t.Errorf("after MarkSent: %+v, %v; want only b's event", left, err)
	}
}
