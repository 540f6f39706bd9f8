package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"faultline.dev/shop/orders/internal/domain/order"
)

// CreateOrder is the command to place an order.
type CreateOrder struct {
	IdempotencyKey string
	CustomerID     string
	// Currency may be empty: the products' currency is used.
	Currency string
	Lines    []CreateOrderLine
}

// CreateOrderLine is one requested SKU; its price comes from inventory.
type CreateOrderLine struct {
	SKU      string
	Quantity int32
}

// CreateOrderHandler places an order and runs its saga. It is idempotent by
// idempotency key: a repeated key returns the order first created with it. It returns
// the order's final state when the saga ends before the request's deadline, else the
// order as PENDING (the client polls GetOrder).
type CreateOrderHandler struct {
	repo      order.Repository
	inventory Inventory
	sagas     *SagaRunner
	sabotage  Sabotage
	direct    EventPublisher
	notify    func()
	now       func() time.Time
	logger    *slog.Logger
}

// CreateOrderConfig wires a CreateOrderHandler.
type CreateOrderConfig struct {
	Repository order.Repository
	Inventory  Inventory
	Sagas      *SagaRunner
	Sabotage   Sabotage
	Direct     EventPublisher // dual-write sabotage only
	// OnEventsStored is called after events were stored in the outbox (wakes the relay).
	OnEventsStored func()
	Now            func() time.Time
	Logger         *slog.Logger
}

// NewCreateOrderHandler checks the wiring and returns the handler.
func NewCreateOrderHandler(cfg CreateOrderConfig) (CreateOrderHandler, error) {
	if cfg.Repository == nil || cfg.Inventory == nil || cfg.Sagas == nil || cfg.Logger == nil {
		return CreateOrderHandler{}, errors.New("create order: repository, inventory, sagas and logger are required")
	}
	if cfg.Sabotage.DualWrite && cfg.Direct == nil {
		return CreateOrderHandler{}, errors.New("create order: dual-write needs a direct event publisher")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnEventsStored == nil {
		cfg.OnEventsStored = func() {}
	}
	return CreateOrderHandler{
		repo: cfg.Repository, inventory: cfg.Inventory, sagas: cfg.Sagas, sabotage: cfg.Sabotage,
		direct: cfg.Direct, notify: cfg.OnEventsStored, now: cfg.Now, logger: cfg.Logger,
	}, nil
}

// Handle places the order described by cmd.
func (h CreateOrderHandler) Handle(ctx context.Context, cmd CreateOrder) (*order.Order, error) {
	if cmd.IdempotencyKey == "" {
		return nil, fmt.Errorf("%w: idempotency key is required", order.ErrInvalidOrder)
	}
	if cmd.CustomerID == "" {
		return nil, fmt.Errorf("%w: customer id is required", order.ErrInvalidOrder)
	}
	existing, err := h.repo.GetByIdempotencyKey(ctx, cmd.IdempotencyKey)
	switch {
	case err == nil:
		return h.awaitSaga(ctx, existing)
	case !errors.Is(err, order.ErrNotFound):
		return nil, fmt.Errorf("look up idempotency key: %w", err)
	}

	lines := make([]order.Line, 0, len(cmd.Lines))
	for _, l := range cmd.Lines {
		lines = append(lines, order.Line{SKU: l.SKU, Quantity: l.Quantity})
	}
	if err := order.CheckLines(lines); err != nil {
		return nil, err
	}
	currency := cmd.Currency
	for i := range lines {
		p, err := h.inventory.GetProduct(ctx, lines[i].SKU)
		if err != nil {
			return nil, fmt.Errorf("price of %s: %w", lines[i].SKU, err)
		}
		if currency == "" {
			currency = p.Currency
		}
		if p.Currency != currency {
			return nil, fmt.Errorf("%w: %s is priced in %s, the order is in %s", order.ErrCurrencyMismatch, p.SKU, p.Currency, currency)
		}
		lines[i].UnitPriceCents = p.PriceCents
	}

	o, err := order.New(uuid.NewString(), cmd.IdempotencyKey, cmd.CustomerID, currency, lines, h.now())
	if err != nil {
		return nil, err
	}
	var direct []order.Event
	if h.sabotage.DualWrite {
		direct = o.PopEvents()
	}
	stored, created, err := h.repo.Add(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("store order: %w", err)
	}
	if !created {
		// a concurrent request with the same key won the race
		return h.awaitSaga(ctx, stored)
	}
	if h.sabotage.DualWrite {
		for _, e := range direct {
			if err := h.direct.PublishEvent(ctx, e); err != nil {
				// The order is committed but the client is told it failed, and the event is lost.
				return nil, fmt.Errorf("%w: SABOTAGE dual-write: publish %s of order %s: %w", ErrDependencyUnavailable, e.Type, o.ID(), err)
			}
		}
	} else {
		h.notify()
	}
	return h.awaitSaga(ctx, stored)
}

// awaitSaga makes sure the saga of a pending order runs and waits for it until shortly
// before ctx's deadline, then returns the order as stored.
func (h CreateOrderHandler) awaitSaga(ctx context.Context, o *order.Order) (*order.Order, error) {
	if o.Status().Terminal() {
		return o, nil
	}
	done, err := h.sagas.Start(ctx, o.ID())
	if err != nil {
		// shutting down: the order is stored and recovery will finish it
		h.logger.WarnContext(ctx, "saga not started", slog.String("order_id", o.ID()), slog.String("error", err.Error()))
		return o, nil
	}
	waitCtx := ctx
	if deadline, ok := ctx.Deadline(); ok {
		// keep time to read the order back and answer before the client gives up
		margin := min(250*time.Millisecond, time.Until(deadline)/5)
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
		defer cancel()
	}
	select {
	case <-done:
	case <-waitCtx.Done():
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wait for saga of order %s: %w", o.ID(), ctx.Err())
		}
		return o, nil // still PENDING; the saga goes on
	}
	latest, err := h.repo.Get(ctx, o.ID())
	if err != nil {
		return nil, fmt.Errorf("read order %s back: %w", o.ID(), err)
	}
	return latest, nil
}
