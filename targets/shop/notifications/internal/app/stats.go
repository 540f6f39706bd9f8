package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

// StatsHandler reports how many events were handled and how many duplicates were skipped.
type StatsHandler struct {
	repo notification.Repository
}

// NewStatsHandler returns the handler over repo.
func NewStatsHandler(repo notification.Repository) StatsHandler {
	if repo == nil {
		panic("app: nil notification repository")
	}
	return StatsHandler{repo: repo}
}

// Handle returns the counts.
func (h StatsHandler) Handle(ctx context.Context) (notification.Stats, error) {
	s, err := h.repo.Stats(ctx)
	if err != nil {
		return notification.Stats{}, fmt.Errorf("notification stats: %w", err)
	}
	return s, nil
}
