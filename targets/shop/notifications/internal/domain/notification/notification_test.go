package notification_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

var occurred = time.Date(2026, 11, 25, 2, 16, 27, 0, time.FixedZone("CET", 3600))

func TestNewEvent_valid(t *testing.T) {
	e, err := notification.NewEvent("ev-1", notification.OrderConfirmed, "order-1", occurred, "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	if e.ID != "ev-1" || e.Type != notification.OrderConfirmed || e.OrderID != "order-1" {
		t.Fatalf("event = %+v", e)
	}
	if e.OccurredAt.Location() != time.UTC || !e.OccurredAt.Equal(occurred) {
		t.Fatalf("OccurredAt = %v, want %v in UTC", e.OccurredAt, occurred)
	}
}

func TestNewEvent_reportsEveryProblemTogether(t *testing.T) {
	_, err := notification.NewEvent(" ", "order.shipped", "", occurred, "")
	if !errors.Is(err, notification.ErrInvalidEvent) {
		t.Fatalf("err = %v, want ErrInvalidEvent", err)
	}
	for _, want := range []string{"event id is empty", `unknown event type "order.shipped"`, "order id is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestEvent_Notify_keepsTheEventIdentity(t *testing.T) {
	e, err := notification.NewEvent("ev-1", notification.OrderCreated, "order-1", occurred, "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.FixedZone("X", -7200))
	n := e.Notify("n-1", now)
	if n.ID != "n-1" || n.EventID != "ev-1" || n.OrderID != "order-1" || n.EventType != notification.OrderCreated {
		t.Fatalf("notification = %+v", n)
	}
	if n.CreatedAt.Location() != time.UTC || !n.CreatedAt.Equal(now) {
		t.Fatalf("CreatedAt = %v, want %v in UTC", n.CreatedAt, now)
	}
	if !strings.Contains(n.Message, "order-1") {
		t.Fatalf("message %q does not name the order", n.Message)
	}
}

func TestEvent_Notify_cancelledOrderTellsWhy(t *testing.T) {
	e, err := notification.NewEvent("ev-2", notification.OrderCancelled, "order-2", occurred, "payment declined")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	n := e.Notify("n-2", occurred)
	if !strings.Contains(n.Message, "cancelled") || !strings.Contains(n.Message, "payment declined") {
		t.Fatalf("message %q does not tell the order was cancelled and why", n.Message)
	}
}
