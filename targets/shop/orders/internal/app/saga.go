package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"faultline.dev/shop/orders/internal/domain/order"
)

// ErrShuttingDown: the saga runner no longer starts sagas.
var ErrShuttingDown = errors.New("saga runner is shutting down")

// SagaRunner runs the saga of an order: reserve stock -> charge payment -> confirm.
//
// Following temporalio/samples-go saga, each step registers its compensation right
// after it succeeds, and a failure runs the registered compensations in reverse order,
// each once. Unlike the sample, every transition is persisted on the order before the
// runner moves on, so a runner in a new process resumes where an old one stopped:
// a step that was started but not recorded as done is repeated (the calls are
// idempotent) or, when the saga is compensating, compensated (it may have taken effect).
//
// Business failures (insufficient stock, payment declined) cancel at once; technical
// failures are retried by the RetryPolicy and then compensate, so no order stays
// PENDING while its dependencies eventually answer. A call the open breaker refused ends
// the step at once, without retries: the order fails fast.
type SagaRunner struct {
	repo      order.Repository
	inventory Inventory
	payments  Payments
	retry     RetryPolicy
	sabotage  Sabotage
	direct    EventPublisher // dual-write sabotage only
	logger    *slog.Logger
	now       func() time.Time

	base   context.Context // cancelled when the runner must stop at once
	cancel context.CancelFunc

	mu       sync.Mutex
	running  map[string]chan struct{}
	closed   bool
	inflight sync.WaitGroup
	notify   func()
}

// SagaRunnerConfig wires a SagaRunner.
type SagaRunnerConfig struct {
	Repository order.Repository
	Inventory  Inventory
	Payments   Payments
	Retry      RetryPolicy
	Sabotage   Sabotage
	// Direct publishes events in place of the outbox under the dual-write sabotage.
	Direct EventPublisher
	Logger *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// OnEventsStored is called after a transition stored events in the outbox (wakes the relay).
	OnEventsStored func()
}

// NewSagaRunner returns a runner; Shutdown stops it.
func NewSagaRunner(cfg SagaRunnerConfig) (*SagaRunner, error) {
	if cfg.Repository == nil || cfg.Inventory == nil || cfg.Payments == nil || cfg.Logger == nil {
		return nil, errors.New("saga runner: repository, inventory, payments and logger are required")
	}
	if cfg.Sabotage.DualWrite && cfg.Direct == nil {
		return nil, errors.New("saga runner: dual-write needs a direct event publisher")
	}
	if cfg.Retry.MaxAttempts < 1 {
		cfg.Retry.MaxAttempts = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnEventsStored == nil {
		cfg.OnEventsStored = func() {}
	}
	base, cancel := context.WithCancel(context.Background())
	return &SagaRunner{
		repo: cfg.Repository, inventory: cfg.Inventory, payments: cfg.Payments,
		retry: cfg.Retry, sabotage: cfg.Sabotage, direct: cfg.Direct,
		logger: cfg.Logger, now: cfg.Now, notify: cfg.OnEventsStored,
		base: base, cancel: cancel, running: map[string]chan struct{}{},
	}, nil
}

// Start runs the saga of orderID in the background unless this process already runs
// it, and returns a channel closed when that run ends. The run keeps ctx's values
// (trace, request ID) but not its cancellation: a saga outlives the request that
// started it and stops only through Shutdown.
func (r *SagaRunner) Start(ctx context.Context, orderID string) (<-chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if done, ok := r.running[orderID]; ok {
		return done, nil
	}
	if r.closed {
		return nil, ErrShuttingDown
	}
	done := make(chan struct{})
	r.running[orderID] = done
	r.inflight.Add(1)
	sagaCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(r.base, cancel)
	go func() {
		defer r.inflight.Done()
		defer func() {
			stop()
			cancel()
			r.mu.Lock()
			delete(r.running, orderID)
			r.mu.Unlock()
			close(done)
		}()
		if _, err := r.Run(sagaCtx, orderID); err != nil {
			r.logger.WarnContext(sagaCtx, "saga stopped before the order reached a final state; recovery resumes it",
				slog.String("order_id", orderID), slog.String("error", err.Error()))
		}
	}()
	return done, nil
}

// Shutdown stops starting sagas and waits for the running ones. When ctx ends first it
// cancels them: each stops after its last persisted transition and is resumed by
// recovery in the next process.
func (r *SagaRunner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	finished := make(chan struct{})
	go func() { r.inflight.Wait(); close(finished) }()
	select {
	case <-finished:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		<-finished
		return fmt.Errorf("sagas still running at shutdown were interrupted: %w", ctx.Err())
	}
}

type sagaStep struct {
	name       order.Step
	dependency any // the client the step calls (a BreakerProbe, when it can tell)
	action     func(ctx context.Context, o *order.Order) (ref string, err error)
	compensate func(ctx context.Context, o *order.Order) error
	// unavailable is the cancellation reason when the step kept failing technically
	unavailable string
}

func (r *SagaRunner) steps() []sagaStep {
	return []sagaStep{
		{order.StepReserveStock, r.inventory, r.reserve, r.release, "inventory unavailable"},
		{order.StepChargePayment, r.payments, r.charge, r.refund, "payments unavailable"},
	}
}

// Run drives the saga of orderID to CONFIRMED or CANCELLED, starting from whatever
// progress is stored. It returns the order as the runner last saw it, and an error when it had to
// stop early (context ended, store failed, a compensation kept failing): the order then
// stays PENDING with its progress stored, for recovery to resume.
func (r *SagaRunner) Run(ctx context.Context, orderID string) (*order.Order, error) {
	o, err := r.repo.Get(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("load order %s: %w", orderID, err)
	}
	if o.Status().Terminal() {
		return o, nil
	}
	log := r.logger.With(slog.String("order_id", orderID))
	if s, refused := r.refusedUpFront(o); refused {
		// A step would be refused by its open breaker: fail the order at once, before any
		// step takes effect (nothing reserved, nothing charged, nothing to undo).
		log.InfoContext(ctx, "saga not started: a dependency's breaker is open", slog.String("step", string(s.name)))
		if err := r.finish(ctx, o, func(o *order.Order) error { return o.Cancel(s.unavailable, r.now()) }); err != nil {
			return o, err
		}
		log.InfoContext(ctx, "order cancelled", slog.String("reason", o.CancellationReason()))
		return o, nil
	}

	// compensations registered so far, in execution order
	var compensations []sagaStep
	for _, s := range r.steps() {
		rec, reached := o.Step(s.name)
		if o.Compensating() {
			if reached && rec.State != order.StepRejected {
				compensations = append(compensations, s)
			}
			continue
		}
		if reached && rec.State == order.StepDone {
			compensations = append(compensations, s)
			continue
		}
		if err := r.store(ctx, o, func(o *order.Order) error { return o.StartStep(s.name, r.now()) }); err != nil {
			return o, err
		}
		var ref string
		sent := false // some attempt may have reached the dependency
		err := r.retry.DoUntil(ctx, func(ctx context.Context) error {
			var err error
			ref, err = s.action(ctx, o)
			if !errors.Is(err, ErrNotSent) {
				sent = true
			}
			return err
		}, r.stepFailureIsFinal)
		if err == nil {
			if err := r.store(ctx, o, func(o *order.Order) error { return o.CompleteStep(s.name, ref, r.now()) }); err != nil {
				return o, err
			}
			compensations = append(compensations, s)
			continue
		}
		if ctx.Err() != nil {
			return o, fmt.Errorf("step %s interrupted: %w", s.name, err)
		}
		if Permanent(err) {
			log.InfoContext(ctx, "saga step rejected", slog.String("step", string(s.name)), slog.String("error", err.Error()))
			if err := r.store(ctx, o, func(o *order.Order) error { return o.RejectStep(s.name, reason(err), r.now()) }); err != nil {
				return o, err
			}
		} else if !sent {
			// Every attempt was refused by the open breaker: the step surely did not take
			// effect, so only the earlier steps are compensated (the order fails fast).
			log.InfoContext(ctx, "saga step not attempted (breaker open); compensating earlier steps", slog.String("step", string(s.name)))
			if err := r.store(ctx, o, func(o *order.Order) error { return o.RejectStep(s.name, s.unavailable, r.now()) }); err != nil {
				return o, err
			}
		} else {
			// The outcome is unknown (the call may have taken effect before it timed out),
			// so this step is compensated too.
			log.WarnContext(ctx, "saga step failed; compensating", slog.String("step", string(s.name)), slog.String("error", err.Error()))
			if err := r.store(ctx, o, func(o *order.Order) error { return o.BeginCompensation(s.unavailable, r.now()) }); err != nil {
				return o, err
			}
			compensations = append(compensations, s)
		}
		break
	}

	if !o.Compensating() {
		if err := r.finish(ctx, o, func(o *order.Order) error { return o.Confirm(r.now()) }); err != nil {
			return o, err
		}
		log.InfoContext(ctx, "order confirmed")
		return o, nil
	}

	if r.sabotage.NoCompensation {
		log.WarnContext(ctx, "SABOTAGE no-compensation: cancelling without undoing the saga's steps")
	} else {
		for i := len(compensations) - 1; i >= 0; i-- {
			s := compensations[i]
			if rec, _ := o.Step(s.name); !rec.NeedsCompensation() {
				continue // compensated by an earlier run
			}
			if err := r.retry.Do(ctx, func(ctx context.Context) error { return s.compensate(ctx, o) }); err != nil {
				return o, fmt.Errorf("compensate %s: %w", s.name, err)
			}
			if err := r.store(ctx, o, func(o *order.Order) error { return o.MarkCompensated(s.name, r.now()) }); err != nil {
				return o, err
			}
		}
	}
	if err := r.finish(ctx, o, func(o *order.Order) error { return o.Cancel(o.FailureReason(), r.now()) }); err != nil {
		return o, err
	}
	log.InfoContext(ctx, "order cancelled", slog.String("reason", o.CancellationReason()))
	return o, nil
}

// refusedUpFront returns the first step whose dependency's breaker is open, for a saga that
// has not taken any step yet (a resumed saga goes on as it was). The retry-storm and
// retry-open-breaker sabotages never ask.
func (r *SagaRunner) refusedUpFront(o *order.Order) (sagaStep, bool) {
	if r.sabotage.RetryStorm || r.sabotage.RetryOpenBreaker || o.Compensating() || len(o.StepRecords()) > 0 {
		return sagaStep{}, false
	}
	for _, s := range r.steps() {
		if p, ok := s.dependency.(BreakerProbe); ok && p.BreakerOpen() {
			return s, true
		}
	}
	return sagaStep{}, false
}

// stepFailureIsFinal ends a step's retries: a business outcome, or a refusal by the open
// breaker (a breaker exists so that callers fail at once; its half-open probe decides when
// the dependency is tried again). The retry-storm and retry-open-breaker sabotages retry
// refusals too.
func (r *SagaRunner) stepFailureIsFinal(err error) bool {
	if Permanent(err) {
		return true
	}
	return RefusedByBreaker(err) && !r.sabotage.RetryStorm && !r.sabotage.RetryOpenBreaker
}

// store applies change to the in-memory order and persists it; on failure the stored
// order is the truth and the run stops.
func (r *SagaRunner) store(ctx context.Context, o *order.Order, change func(*order.Order) error) error {
	if err := change(o); err != nil {
		return err
	}
	if err := r.repo.Save(ctx, o); err != nil {
		return fmt.Errorf("store saga progress of order %s: %w", o.ID(), err)
	}
	return nil
}

// finish stores a final transition with its event, through the outbox or, under the
// dual-write sabotage, by publishing the event directly after the commit.
func (r *SagaRunner) finish(ctx context.Context, o *order.Order, change func(*order.Order) error) error {
	if err := change(o); err != nil {
		return err
	}
	var direct []order.Event
	if r.sabotage.DualWrite {
		direct = o.PopEvents()
	}
	if err := r.repo.Save(ctx, o); err != nil {
		return fmt.Errorf("store final state of order %s: %w", o.ID(), err)
	}
	if !r.sabotage.DualWrite {
		r.notify()
		return nil
	}
	for _, e := range direct {
		if err := r.direct.PublishEvent(ctx, e); err != nil {
			// The state is committed, the event is gone: the bug dual-write names.
			r.logger.ErrorContext(ctx, "SABOTAGE dual-write: event lost", slog.String("order_id", o.ID()),
				slog.String("event_type", string(e.Type)), slog.String("event_id", e.ID), slog.String("error", err.Error()))
		}
	}
	return nil
}

// ChargeKey and RefundKey derive the payments idempotency keys from the order ID, so a
// repeated or resumed saga never charges or refunds twice.
func ChargeKey(orderID string) string { return "order-" + orderID + "-charge" }
func RefundKey(orderID string) string { return "order-" + orderID + "-refund" }

func (r *SagaRunner) reserve(ctx context.Context, o *order.Order) (string, error) {
	return "", r.inventory.Reserve(ctx, o.ID(), o.Lines())
}

func (r *SagaRunner) release(ctx context.Context, o *order.Order) error {
	return r.inventory.Release(ctx, o.ID())
}

func (r *SagaRunner) charge(ctx context.Context, o *order.Order) (string, error) {
	return r.payments.Charge(ctx, Charge{
		IdempotencyKey: ChargeKey(o.ID()),
		OrderID:        o.ID(),
		AmountCents:    o.TotalCents(),
		Currency:       o.Currency(),
	})
}

// refund undoes the charge. When the charge's outcome is unknown (it failed
// technically, or the process died mid-call) the payment ID is not known either, and
// payments has no lookup by key: replaying the charge with its idempotency key is the
// lookup. It returns the payment if the first attempt captured it, or captures now —
// either way the refund that follows balances the books; a decline means nothing was
// captured.
func (r *SagaRunner) refund(ctx context.Context, o *order.Order) error {
	paymentID := o.PaymentID()
	if paymentID == "" {
		id, err := r.charge(ctx, o)
		if errors.Is(err, order.ErrPaymentDeclined) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find the payment of an interrupted charge: %w", err)
		}
		paymentID = id
	}
	return r.payments.Refund(ctx, RefundKey(o.ID()), paymentID)
}

// reason is the cancellation reason of a business failure.
func reason(err error) string {
	switch {
	case errors.Is(err, order.ErrInsufficientStock):
		return "insufficient stock"
	case errors.Is(err, order.ErrPaymentDeclined):
		return "payment declined"
	case errors.Is(err, order.ErrProductNotFound):
		return "product not found"
	default:
		return err.Error()
	}
}
