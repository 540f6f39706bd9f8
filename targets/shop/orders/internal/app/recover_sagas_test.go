package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// interruptAfterReserve runs a saga in a "first process" whose charge hangs, then shuts
// that process down: the saga stops with the reservation done and the charge started.
func interruptAfterReserve(t *testing.T, r *rig) *order.Order {
	t.Helper()
	charging := make(chan struct{})
	r.payments.charge = func(ctx context.Context, _ int) (string, error) {
		close(charging)
		<-ctx.Done() // the process dies mid-call
		return "", ctx.Err()
	}
	o := r.addOrder(t, "k1")
	if _, err := r.runner.Start(context.Background(), o.ID()); err != nil {
		t.Fatal(err)
	}
	<-charging
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := r.runner.Shutdown(ctx); err == nil {
		t.Fatal("shutdown reported that no saga was interrupted")
	}
	got := r.get(t, o.ID())
	reserve, _ := got.Step(order.StepReserveStock)
	charge, _ := got.Step(order.StepChargePayment)
	if got.Status() != order.StatusPending || reserve.State != order.StepDone || charge.State != order.StepStarted {
		t.Fatalf("after the crash: status %s reserve %s charge %s", got.Status(), reserve.State, charge.State)
	}
	return got
}

func recoverIn(t *testing.T, r *rig, runner *app.SagaRunner) {
	t.Helper()
	rec := app.NewRecoverSagasHandler(r.repo, runner, 0, time.Hour, quietLogger())
	n, err := rec.RecoverOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("RecoverOnce = %d, %v; want 1 saga resumed", n, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := runner.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverSagas_resumesInterruptedSagaAndConfirms(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	o := interruptAfterReserve(t, r)

	r.payments.charge = nil // payments answers in the new process
	recoverIn(t, r, r.newRunner(t, app.Sabotage{}, nil))

	if got := r.get(t, o.ID()); got.Status() != order.StatusConfirmed {
		t.Fatalf("status %s, want CONFIRMED", got.Status())
	}
	// the reservation was not repeated; the charge was repeated with the same key
	if want := []string{"reserve", "charge", "charge"}; !slices.Equal(r.calls.list(), want) {
		t.Errorf("calls = %v, want %v", r.calls.list(), want)
	}
	if r.payments.keys[0] != r.payments.keys[1] {
		t.Errorf("charge keys %v differ: a resumed charge would charge twice", r.payments.keys)
	}
}

func TestRecoverSagas_resumesInterruptedSagaAndCompensates(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	o := interruptAfterReserve(t, r)

	r.payments.charge = func(context.Context, int) (string, error) { return "", order.ErrPaymentDeclined }
	recoverIn(t, r, r.newRunner(t, app.Sabotage{}, nil))

	got := r.get(t, o.ID())
	if got.Status() != order.StatusCancelled || got.CancellationReason() != "payment declined" {
		t.Fatalf("status %s reason %q", got.Status(), got.CancellationReason())
	}
	if want := []string{"release"}; !slices.Equal(r.calls.compensations(), want) {
		t.Errorf("compensations = %v, want %v", r.calls.compensations(), want)
	}
}

func TestRecoverSagas_leavesFreshAndFinishedOrdersAlone(t *testing.T) {
	r := newRig(t, app.Sabotage{}, nil)
	fresh := r.addOrder(t, "fresh")
	rec := app.NewRecoverSagasHandler(r.repo, r.runner, time.Hour, time.Hour, quietLogger())
	if n, err := rec.RecoverOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("RecoverOnce = %d, %v; a fresh order is not stale", n, err)
	}
	if _, err := r.runner.Run(context.Background(), fresh.ID()); err != nil {
		t.Fatal(err)
	}
	rec = app.NewRecoverSagasHandler(r.repo, r.runner, 0, time.Hour, quietLogger())
	if n, err := rec.RecoverOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("RecoverOnce = %d, %v; a confirmed order needs no recovery", n, err)
	}
}
