package app

import (
	"context"
	"fmt"
	"strings"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

// ListNotifications asks for the notifications of one order.
type ListNotifications struct {
	OrderID string
}

// ListNotificationsHandler answers ListNotifications.
type ListNotificationsHandler struct {
	repo notification.Repository
}

// NewListNotificationsHandler returns the handler over repo.
func NewListNotificationsHandler(repo notification.Repository) ListNotificationsHandler {
	if repo == nil {
		panic("app: nil notification repository")
	}
	return ListNotificationsHandler{repo: repo}
}

// Handle returns the order's notifications, oldest first (empty, not an error, when the
// order has none yet).
func (h ListNotificationsHandler) Handle(ctx context.Context, q ListNotifications) ([]notification.Notification, error) {
	if strings.TrimSpace(q.OrderID) == "" {
		return nil, notification.ErrMissingOrderID
	}
	ns, err := h.repo.ListByOrder(ctx, q.OrderID)
	if err != nil {
		return nil, fmt.Errorf("list notifications of order %s: %w", q.OrderID, err)
	}
	return ns, nil
}
