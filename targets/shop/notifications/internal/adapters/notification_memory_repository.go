// Package adapters implements the notifications domain's ports to the outside world:
// repositories (PostgreSQL, in memory).
package adapters

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

// MemoryRepository is an in-memory notification.Repository for tests and local runs. Each
// ProcessEvent runs alone under one lock, as if serializable.
type MemoryRepository struct {
	mu                sync.Mutex
	processed         map[string]bool
	notifications     []notification.Notification
	duplicatesSkipped int64
}

var _ notification.Repository = (*MemoryRepository)(nil)

// NewMemoryRepository returns an empty repository.
func NewMemoryRepository() *MemoryRepository {
	return &MemoryRepository{processed: map[string]bool{}}
}

// ProcessEvent implements notification.Repository.
func (r *MemoryRepository) ProcessEvent(ctx context.Context, eventID string, decide notification.DecideFunc) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("process event %s: %w", eventID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	alreadyProcessed := r.processed[eventID]
	n, err := decide(alreadyProcessed)
	if err != nil {
		return err
	}
	r.processed[eventID] = true
	switch {
	case n != nil:
		r.notifications = append(r.notifications, *n)
	case alreadyProcessed:
		r.duplicatesSkipped++
	}
	return nil
}

// ListByOrder implements notification.Repository.
func (r *MemoryRepository) ListByOrder(ctx context.Context, orderID string) ([]notification.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list notifications of order %s: %w", orderID, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []notification.Notification{}
	for _, n := range r.notifications {
		if n.OrderID == orderID {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// Stats implements notification.Repository.
func (r *MemoryRepository) Stats(ctx context.Context) (notification.Stats, error) {
	if err := ctx.Err(); err != nil {
		return notification.Stats{}, fmt.Errorf("notification stats: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	perEvent := map[string]int{}
	for _, n := range r.notifications {
		perEvent[n.EventID]++
	}
	s := notification.Stats{
		EventsHandled:     int64(len(r.notifications)),
		DistinctEvents:    int64(len(perEvent)),
		DuplicatesSkipped: r.duplicatesSkipped,
	}
	for _, c := range perEvent {
		if c > 1 {
			s.EventsHandledMoreThanOnce++
		}
	}
	return s, nil
}
