package adapters

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// MemoryRepository keeps orders and their outbox in memory. It honours the same
// contract as OrderPostgresRepository (one test runs against both); it serves unit
// tests and local runs without a database.
type MemoryRepository struct {
	mu     sync.Mutex
	orders map[string]order.Snapshot
	byKey  map[string]string
	outbox []outboxRow
	seq    int64
}

type outboxRow struct {
	msg  app.OutboxMessage
	sent bool
}

var (
	_ order.Repository = (*MemoryRepository)(nil)
	_ app.OutboxStore  = (*MemoryRepository)(nil)
)

// NewMemoryRepository returns an empty repository.
func NewMemoryRepository() *MemoryRepository {
	return &MemoryRepository{orders: map[string]order.Snapshot{}, byKey: map[string]string{}}
}

func (r *MemoryRepository) Add(ctx context.Context, o *order.Order) (*order.Order, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.byKey[o.IdempotencyKey()]; ok {
		existing, err := order.FromSnapshot(r.orders[id])
		return existing, false, err
	}
	if _, ok := r.orders[o.ID()]; ok {
		return nil, false, fmt.Errorf("add order %s: id already taken", o.ID())
	}
	r.store(ctx, o)
	r.byKey[o.IdempotencyKey()] = o.ID()
	return o, true, nil
}

// store writes o and its events; the caller holds the lock.
func (r *MemoryRepository) store(ctx context.Context, o *order.Order) {
	for _, e := range o.Events() {
		r.seq++
		m := MessageFromEvent(ctx, e)
		m.Seq = r.seq
		r.outbox = append(r.outbox, outboxRow{msg: m})
	}
	o.MarkStored()
	r.orders[o.ID()] = o.Snapshot()
}

func (r *MemoryRepository) Get(ctx context.Context, id string) (*order.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.orders[id]
	if !ok {
		return nil, fmt.Errorf("order %s: %w", id, order.ErrNotFound)
	}
	return order.FromSnapshot(s)
}

func (r *MemoryRepository) GetByIdempotencyKey(ctx context.Context, key string) (*order.Order, error) {
	r.mu.Lock()
	id, ok := r.byKey[key]
	r.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("idempotency key %q: %w", key, order.ErrNotFound)
	}
	return r.Get(ctx, id)
}

func (r *MemoryRepository) Save(ctx context.Context, o *order.Order) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.orders[o.ID()]
	if !ok {
		return fmt.Errorf("save order %s: %w", o.ID(), order.ErrNotFound)
	}
	if cur.Version != o.Version() {
		return fmt.Errorf("save order %s at version %d, stored %d: %w", o.ID(), o.Version(), cur.Version, order.ErrConcurrentUpdate)
	}
	r.store(ctx, o)
	return nil
}

func (r *MemoryRepository) ListStalePending(ctx context.Context, before time.Time, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	var stale []order.Snapshot
	for _, s := range r.orders {
		if s.Status == order.StatusPending && s.UpdatedAt.Before(before) {
			stale = append(stale, s)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(stale, func(a, b order.Snapshot) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	ids := make([]string, 0, min(limit, len(stale)))
	for _, s := range stale[:min(limit, len(stale))] {
		ids = append(ids, s.ID)
	}
	return ids, nil
}

func (r *MemoryRepository) PendingMessages(ctx context.Context, limit int) ([]app.OutboxMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []app.OutboxMessage
	for _, row := range r.outbox {
		if len(out) == limit {
			break
		}
		if !row.sent {
			out = append(out, row.msg)
		}
	}
	return out, nil
}

func (r *MemoryRepository) MarkSent(ctx context.Context, eventIDs []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.outbox {
		if slices.Contains(eventIDs, r.outbox[i].msg.EventID) {
			r.outbox[i].sent = true
		}
	}
	return nil
}
