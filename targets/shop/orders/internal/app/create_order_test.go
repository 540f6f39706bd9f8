package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

func newCreateHandler(t *testing.T, r *rig, sb app.Sabotage, direct app.EventPublisher) app.CreateOrderHandler {
	t.Helper()
	h, err := app.NewCreateOrderHandler(app.CreateOrderConfig{
		Repository: r.repo, Inventory: r.inventory, Sagas: r.runner,
		Sabotage: sb, Direct: direct, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func cmd(key string) app.CreateOrder {
	return app.CreateOrder{IdempotencyKey: key, CustomerID: "c-1", Lines: []app.CreateOrderLine{
		{SKU: "SKU-1", Quantity: 2}, {SKU: "SKU-2", Quantity: 3},
	}}
}

func TestCreateOrder_pricesFromInventoryAndReturnsFinalState(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	h := newCreateHandler(t, r, app.Sabotage{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o, err := h.Handle(ctx, cmd("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != order.StatusConfirmed || o.TotalCents() != 5000 || o.Currency() != "EUR" {
		t.Errorf("status %s total %d %s, want CONFIRMED 5000 EUR", o.Status(), o.TotalCents(), o.Currency())
	}
}

func TestCreateOrder_isIdempotentByKey(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	h := newCreateHandler(t, r, app.Sabotage{}, nil)
	first, err := h.Handle(context.Background(), cmd("k1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.Handle(context.Background(), cmd("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID() != first.ID() || again.Status() != order.StatusConfirmed {
		t.Errorf("second call returned %s (%s), want %s", again.ID(), again.Status(), first.ID())
	}
	if n := r.calls.count("reserve"); n != 1 {
		t.Errorf("reserve ran %d times, want once", n)
	}
}

func TestCreateOrder_returnsPendingWhenSagaOutlivesDeadline(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	release := make(chan struct{})
	r.payments.charge = func(ctx context.Context, _ int) (string, error) {
		select {
		case <-release:
			return "pay-1", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	h := newCreateHandler(t, r, app.Sabotage{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	o, err := h.Handle(ctx, cmd("k1"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != order.StatusPending {
		t.Fatalf("status %s, want PENDING while the saga runs", o.Status())
	}
	if ctx.Err() != nil {
		t.Error("Handle answered after the request deadline")
	}
	close(release) // the saga goes on after the request ended
	deadline := time.Now().Add(5 * time.Second)
	for r.get(t, o.ID()).Status() == order.StatusPending {
		if time.Now().After(deadline) {
			t.Fatal("the saga did not finish after the request returned")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := r.get(t, o.ID()); got.Status() != order.StatusConfirmed {
		t.Errorf("status %s, want CONFIRMED", got.Status())
	}
}

func TestCreateOrder_rejectsUnknownProductAndStoresNothing(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	h := newCreateHandler(t, r, app.Sabotage{}, nil)
	c := cmd("k1")
	c.Lines[1].SKU = "MISSING-1"
	if _, err := h.Handle(context.Background(), c); !errors.Is(err, order.ErrProductNotFound) {
		t.Fatalf("err = %v, want ErrProductNotFound", err)
	}
	if _, err := r.repo.GetByIdempotencyKey(context.Background(), "k1"); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("an order was stored: %v", err)
	}
}

func TestCreateOrder_validatesBeforeCallingInventory(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	h := newCreateHandler(t, r, app.Sabotage{}, nil)
	c := cmd("k1")
	c.Lines[0].Quantity = 0
	if _, err := h.Handle(context.Background(), c); !errors.Is(err, order.ErrInvalidOrder) {
		t.Fatalf("err = %v, want ErrInvalidOrder", err)
	}
	c = cmd("k1")
	c.Currency = "USD"
	if _, err := h.Handle(context.Background(), c); !errors.Is(err, order.ErrCurrencyMismatch) {
		t.Fatalf("err = %v, want ErrCurrencyMismatch", err)
	}
	if n := r.calls.count("reserve"); n != 0 {
		t.Errorf("reserve ran %d times for invalid orders", n)
	}
}
