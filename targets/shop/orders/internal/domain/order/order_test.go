package order_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/domain/order"
)

var t0 = time.Date(2026, 11, 25, 2, 16, 27, 123456789, time.UTC)

func newOrder(t *testing.T) *order.Order {
	t.Helper()
	o, err := order.New("o-1", "key-1", "c-1", "EUR", []order.Line{
		{SKU: "SKU-1", Quantity: 2, UnitPriceCents: 1250},
		{SKU: "SKU-2", Quantity: 1, UnitPriceCents: 500},
	}, t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return o
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestNew_computesTotalAndRecordsCreated(t *testing.T) {
	o := newOrder(t)
	if got := o.TotalCents(); got != 3000 {
		t.Errorf("total = %d, want 3000", got)
	}
	if o.Status() != order.StatusPending {
		t.Errorf("status = %s, want PENDING", o.Status())
	}
	if !o.CreatedAt().Equal(t0.Truncate(time.Microsecond)) || o.CreatedAt().Location() != time.UTC {
		t.Errorf("created at = %v, want %v in UTC at microseconds", o.CreatedAt(), t0)
	}
	ev := o.Events()
	if len(ev) != 1 || ev[0].Type != order.EventCreated || ev[0].OrderID != "o-1" || ev[0].ID == "" {
		t.Fatalf("events = %+v, want one order.created", ev)
	}
	var p struct {
		EventID    string `json:"event_id"`
		Type       string `json:"type"`
		OccurredAt string `json:"occurred_at"`
		Order      struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			TotalCents int64  `json:"total_cents"`
			Lines      []struct {
				SKU            string `json:"sku"`
				Quantity       int32  `json:"quantity"`
				UnitPriceCents int64  `json:"unit_price_cents"`
			} `json:"lines"`
		} `json:"order"`
	}
	if err := json.Unmarshal(ev[0].Payload, &p); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	if p.EventID != ev[0].ID || p.Type != "order.created" || p.OccurredAt != "2026-11-25T02:16:27.123Z" ||
		p.Order.Status != "PENDING" || p.Order.TotalCents != 3000 || len(p.Order.Lines) != 2 || p.Order.Lines[0].UnitPriceCents != 1250 {
		t.Errorf("payload = %s", ev[0].Payload)
	}
}

func TestNew_rejectsInvalidOrders(t *testing.T) {
	line := []order.Line{{SKU: "SKU-1", Quantity: 1, UnitPriceCents: 100}}
	cases := map[string]func() error{
		"no lines": func() error { _, err := order.New("o", "k", "c", "EUR", nil, t0); return err },
		"zero quantity": func() error {
			_, err := order.New("o", "k", "c", "EUR", []order.Line{{SKU: "A", Quantity: 0}}, t0)
			return err
		},
		"empty sku":     func() error { _, err := order.New("o", "k", "c", "EUR", []order.Line{{Quantity: 1}}, t0); return err },
		"duplicate sku": func() error { _, err := order.New("o", "k", "c", "EUR", append(line, line...), t0); return err },
		"no customer":   func() error { _, err := order.New("o", "k", "", "EUR", line, t0); return err },
		"no key":        func() error { _, err := order.New("o", "", "c", "EUR", line, t0); return err },
		"bad currency":  func() error { _, err := order.New("o", "k", "c", "euro", line, t0); return err },
		"total overflow": func() error {
			_, err := order.New("o", "k", "c", "EUR", []order.Line{{SKU: "A", Quantity: 3, UnitPriceCents: 1 << 62}}, t0)
			return err
		},
	}
	for name, f := range cases {
		if err := f(); !errors.Is(err, order.ErrInvalidOrder) {
			t.Errorf("%s: err = %v, want ErrInvalidOrder", name, err)
		}
	}
}

func TestOrder_happyPathConfirms(t *testing.T) {
	o := newOrder(t)
	o.PopEvents()
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	mustDo(t, o.CompleteStep(order.StepReserveStock, "", t0))
	mustDo(t, o.StartStep(order.StepChargePayment, t0))
	mustDo(t, o.CompleteStep(order.StepChargePayment, "pay-1", t0))
	mustDo(t, o.Confirm(t0.Add(time.Second)))
	if o.Status() != order.StatusConfirmed || o.PaymentID() != "pay-1" {
		t.Errorf("status %s payment %q, want CONFIRMED pay-1", o.Status(), o.PaymentID())
	}
	if ev := o.PopEvents(); len(ev) != 1 || ev[0].Type != order.EventConfirmed {
		t.Errorf("events = %+v, want order.confirmed", ev)
	}
	if err := o.Cancel("late", t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("cancel confirmed order: err = %v, want ErrInvalidTransition", err)
	}
}

func TestOrder_cannotConfirmBeforeStepsAreDone(t *testing.T) {
	o := newOrder(t)
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	mustDo(t, o.CompleteStep(order.StepReserveStock, "", t0))
	if err := o.Confirm(t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("confirm without charge: err = %v, want ErrInvalidTransition", err)
	}
}

func TestOrder_stepsRunInOrder(t *testing.T) {
	o := newOrder(t)
	if err := o.StartStep(order.StepChargePayment, t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("charge before reserve: err = %v, want ErrInvalidTransition", err)
	}
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	// a resumed saga starts the same step again
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	if err := o.CompleteStep(order.StepChargePayment, "p", t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("complete a step never started: err = %v", err)
	}
}

func TestOrder_rejectedStepNeedsNoCompensation(t *testing.T) {
	o := newOrder(t)
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	mustDo(t, o.CompleteStep(order.StepReserveStock, "", t0))
	mustDo(t, o.StartStep(order.StepChargePayment, t0))
	mustDo(t, o.RejectStep(order.StepChargePayment, "payment declined", t0))
	if !o.Compensating() || o.FailureReason() != "payment declined" {
		t.Fatalf("compensating %v reason %q", o.Compensating(), o.FailureReason())
	}
	reserve, _ := o.Step(order.StepReserveStock)
	charge, _ := o.Step(order.StepChargePayment)
	if !reserve.NeedsCompensation() || charge.NeedsCompensation() {
		t.Errorf("reserve needs %v (want true), charge needs %v (want false)", reserve.NeedsCompensation(), charge.NeedsCompensation())
	}
	if err := o.Confirm(t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("confirm while compensating: err = %v", err)
	}
	if err := o.MarkCompensated(order.StepChargePayment, t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("compensate rejected step: err = %v", err)
	}
	mustDo(t, o.MarkCompensated(order.StepReserveStock, t0))
	o.PopEvents()
	mustDo(t, o.Cancel(o.FailureReason(), t0))
	if o.Status() != order.StatusCancelled || o.CancellationReason() != "payment declined" {
		t.Errorf("status %s reason %q", o.Status(), o.CancellationReason())
	}
	ev := o.PopEvents()
	if len(ev) != 1 || ev[0].Type != order.EventCancelled {
		t.Fatalf("events = %+v", ev)
	}
	var p struct {
		Order struct {
			Status string `json:"status"`
			Reason string `json:"cancellation_reason"`
		} `json:"order"`
	}
	mustDo(t, json.Unmarshal(ev[0].Payload, &p))
	if p.Order.Status != "CANCELLED" || p.Order.Reason != "payment declined" {
		t.Errorf("payload = %s", ev[0].Payload)
	}
}

func TestOrder_startedStepWithUnknownOutcomeIsCompensated(t *testing.T) {
	o := newOrder(t)
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	mustDo(t, o.BeginCompensation("inventory unavailable", t0))
	rec, _ := o.Step(order.StepReserveStock)
	if !rec.NeedsCompensation() {
		t.Fatal("a started step whose outcome is unknown must be compensated")
	}
	if err := o.StartStep(order.StepChargePayment, t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("start a step while compensating: err = %v", err)
	}
	mustDo(t, o.MarkCompensated(order.StepReserveStock, t0))
	if err := o.MarkCompensated(order.StepReserveStock, t0); !errors.Is(err, order.ErrInvalidTransition) {
		t.Errorf("compensate twice: err = %v", err)
	}
}

func TestOrder_snapshotRoundTrip(t *testing.T) {
	o := newOrder(t)
	mustDo(t, o.StartStep(order.StepReserveStock, t0))
	o.MarkStored()
	back, err := order.FromSnapshot(o.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if back.Version() != 1 || len(back.Events()) != 0 {
		t.Errorf("version %d events %d", back.Version(), len(back.Events()))
	}
	if rec, ok := back.Step(order.StepReserveStock); !ok || rec.State != order.StepStarted {
		t.Errorf("reserve step = %+v", rec)
	}
	s := o.Snapshot()
	s.Status = "SHIPPED"
	if _, err := order.FromSnapshot(s); err == nil {
		t.Error("FromSnapshot accepted an unknown status")
	}
}
