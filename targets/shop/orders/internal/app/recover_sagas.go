package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"faultline.dev/shop/orders/internal/domain/order"
)

// RecoverSagasHandler resumes the sagas of PENDING orders nobody advanced for a while:
// those of a process that died mid-saga, and those a runner gave up on because a
// dependency or the database kept failing. It runs at start and then periodically.
type RecoverSagasHandler struct {
	repo      order.Repository
	sagas     *SagaRunner
	olderThan time.Duration
	interval  time.Duration
	batch     int
	now       func() time.Time
	logger    *slog.Logger
}

// NewRecoverSagasHandler picks up PENDING orders not updated for olderThan, every interval.
func NewRecoverSagasHandler(repo order.Repository, sagas *SagaRunner, olderThan, interval time.Duration, logger *slog.Logger) RecoverSagasHandler {
	return RecoverSagasHandler{repo: repo, sagas: sagas, olderThan: olderThan, interval: interval, batch: 100, now: time.Now, logger: logger}
}

// RecoverOnce starts the saga of every stale PENDING order (at most one batch) and
// returns how many it started. Sagas already running in this process are not doubled.
func (h RecoverSagasHandler) RecoverOnce(ctx context.Context) (int, error) {
	ids, err := h.repo.ListStalePending(ctx, h.now().Add(-h.olderThan), h.batch)
	if err != nil {
		return 0, fmt.Errorf("list stale pending orders: %w", err)
	}
	for i, id := range ids {
		if _, err := h.sagas.Start(ctx, id); err != nil {
			return i, fmt.Errorf("resume saga of order %s: %w", id, err)
		}
		h.logger.InfoContext(ctx, "resuming saga", slog.String("order_id", id))
	}
	return len(ids), nil
}

// Run recovers at once and then every interval until ctx ends.
func (h RecoverSagasHandler) Run(ctx context.Context) {
	t := time.NewTicker(h.interval)
	defer t.Stop()
	for {
		if _, err := h.RecoverOnce(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrShuttingDown) {
			h.logger.ErrorContext(ctx, "saga recovery failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
