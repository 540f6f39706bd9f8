package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// OutboxRelay forwards outbox messages to the broker, at least once (after
// ThreeDotsLabs/watermill's forwarder). Per order it publishes in the order the events
// were written and stops at the first failure, so an order's later event never
// overtakes an earlier one; orders are independent of each other. A message is marked
// sent only after the broker acknowledged it; a failed round is retried with backoff.
type OutboxRelay struct {
	store     OutboxStore
	publisher MessagePublisher
	logger    *slog.Logger
	cfg       OutboxRelayConfig
	wake      chan struct{}
}

// OutboxRelayConfig tunes the relay; zero fields take the defaults in brackets.
type OutboxRelayConfig struct {
	BatchSize      int           // messages read per round [100]
	PollInterval   time.Duration // wait between rounds when idle [500ms]
	MinBackoff     time.Duration // wait after a failed round, doubled per failure [200ms]
	MaxBackoff     time.Duration // cap of that wait [10s]
	PublishTimeout time.Duration // one publish, also the most Stop waits for a round [10s]
	Parallelism    int           // orders published concurrently [8]
}

// NewOutboxRelay returns a relay; Run drives it.
func NewOutboxRelay(store OutboxStore, publisher MessagePublisher, logger *slog.Logger, cfg OutboxRelayConfig) *OutboxRelay {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 10 * time.Second
	}
	if cfg.PublishTimeout <= 0 {
		cfg.PublishTimeout = 10 * time.Second
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = 8
	}
	return &OutboxRelay{store: store, publisher: publisher, logger: logger, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Notify wakes the relay up early: new messages were stored.
func (r *OutboxRelay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends. A round in progress when ctx ends is finished (bounded by
// PublishTimeout), so a stop does not leave a message published but unmarked.
func (r *OutboxRelay) Run(ctx context.Context) {
	backoff := r.cfg.MinBackoff
	for {
		n, err := r.RelayOnce(context.WithoutCancel(ctx))
		wait := r.cfg.PollInterval
		switch {
		case err != nil:
			r.logger.WarnContext(ctx, "outbox relay round failed; retrying", slog.Duration("backoff", backoff), slog.String("error", err.Error()))
			wait = backoff
			backoff = min(2*backoff, r.cfg.MaxBackoff)
		case n == r.cfg.BatchSize:
			backoff = r.cfg.MinBackoff
			wait = 0 // more are waiting
		default:
			backoff = r.cfg.MinBackoff
		}
		wake := r.wake
		if err != nil {
			wake = nil // backing off: a wake-up must not turn into a tight retry loop
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// RelayOnce publishes one batch of pending messages and marks the published ones sent.
// It returns how many it read and the failures, joined.
func (r *OutboxRelay) RelayOnce(ctx context.Context) (int, error) {
	msgs, err := r.store.PendingMessages(ctx, r.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("read outbox: %w", err)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	// group by order, keeping each order's messages in written order
	var orderIDs []string
	byOrder := map[string][]OutboxMessage{}
	for _, m := range msgs {
		if _, ok := byOrder[m.OrderID]; !ok {
			orderIDs = append(orderIDs, m.OrderID)
		}
		byOrder[m.OrderID] = append(byOrder[m.OrderID], m)
	}

	var (
		mu   sync.Mutex
		sent []string
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, r.cfg.Parallelism)
	)
	for _, id := range orderIDs {
		wg.Add(1)
		sem <- struct{}{}
		go func(group []OutboxMessage) {
			defer func() { <-sem; wg.Done() }()
			for _, m := range group {
				pctx, cancel := context.WithTimeout(ctx, r.cfg.PublishTimeout)
				err := r.publisher.Publish(pctx, m)
				cancel()
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("publish %s %s of order %s: %w", m.EventType, m.EventID, m.OrderID, err))
					mu.Unlock()
					return // the order's later events wait for this one
				}
				sent = append(sent, m.EventID)
				mu.Unlock()
			}
		}(byOrder[id])
	}
	wg.Wait()
	if len(sent) > 0 {
		if err := r.store.MarkSent(ctx, sent); err != nil {
			// published but not marked: they go out again (at least once; consumers dedupe by event-id)
			errs = append(errs, fmt.Errorf("mark %d outbox messages sent: %w", len(sent), err))
		}
	}
	return len(msgs), errors.Join(errs...)
}
