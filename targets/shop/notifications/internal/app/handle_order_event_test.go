package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"faultline.dev/shop/notifications/internal/adapters"
	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
)

func event(t *testing.T, id, orderID string) notification.Event {
	t.Helper()
	e, err := notification.NewEvent(id, notification.OrderConfirmed, orderID, time.Now(), "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return e
}

func TestHandleOrderEvent_sameEventTwice_storesOneNotification(t *testing.T) {
	ctx := context.Background()
	repo := adapters.NewMemoryRepository()
	h := app.NewHandleOrderEventHandler(repo)
	e := event(t, "ev-1", "order-1")

	first, err := h.Handle(ctx, app.HandleOrderEvent{Event: e})
	if err != nil || first != app.Handled {
		t.Fatalf("first delivery: outcome %v, err %v; want handled", first, err)
	}
	second, err := h.Handle(ctx, app.HandleOrderEvent{Event: e})
	if err != nil || second != app.DuplicateSkipped {
		t.Fatalf("second delivery: outcome %v, err %v; want duplicate_skipped", second, err)
	}

	ns, err := repo.ListByOrder(ctx, "order-1")
	if err != nil {
		t.Fatalf("ListByOrder: %v", err)
	}
	if len(ns) != 1 {
		t.Fatalf("%d notifications, want 1: %+v", len(ns), ns)
	}
	stats, err := repo.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	want := notification.Stats{EventsHandled: 1, DistinctEvents: 1, DuplicatesSkipped: 1}
	if stats != want {
		t.Fatalf("stats = %+v, want %+v", stats, want)
	}
}

func TestHandleOrderEvent_duplicateDeliverySabotage_storesTwoNotifications(t *testing.T) {
	ctx := context.Background()
	repo := adapters.NewMemoryRepository()
	h := app.NewHandleOrderEventHandler(repo, app.WithoutDedupe())
	e := event(t, "ev-1", "order-1")

	first, err := h.Handle(ctx, app.HandleOrderEvent{Event: e})
	if err != nil || first != app.Handled {
		t.Fatalf("first delivery: outcome %v, err %v; want handled", first, err)
	}
	second, err := h.Handle(ctx, app.HandleOrderEvent{Event: e})
	if err != nil || second != app.HandledAgain {
		t.Fatalf("second delivery: outcome %v, err %v; want handled_again", second, err)
	}
	ns, err := repo.ListByOrder(ctx, "order-1")
	if err != nil {
		t.Fatalf("ListByOrder: %v", err)
	}
	if len(ns) != 2 {
		t.Fatalf("%d notifications, want 2 (the bug the sabotage names): %+v", len(ns), ns)
	}
	stats, err := repo.Stats(ctx)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if stats.EventsHandledMoreThanOnce != 1 || stats.DuplicatesSkipped != 0 {
		t.Fatalf("stats = %+v, want one event handled more than once and no skip", stats)
	}
}

func TestHandleOrderEvent_failedStore_returnsErrorForRetry(t *testing.T) {
	repo := adapters.NewMemoryRepository()
	h := app.NewHandleOrderEventHandler(repo)
	e := event(t, "ev-1", "order-1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	if _, err := h.Handle(ctx, app.HandleOrderEvent{Event: e}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled wrapped", err)
	}
	// The delivery was not handled, so a retry handles it.
	outcome, err := h.Handle(context.Background(), app.HandleOrderEvent{Event: e})
	if err != nil || outcome != app.Handled {
		t.Fatalf("retry: outcome %v, err %v; want handled", outcome, err)
	}
}

func TestListNotifications_withoutOrderID_isRejected(t *testing.T) {
	h := app.NewListNotificationsHandler(adapters.NewMemoryRepository())
	if _, err := h.Handle(context.Background(), app.ListNotifications{OrderID: " "}); !errors.Is(err, notification.ErrMissingOrderID) {
		t.Fatalf("err = %v, want ErrMissingOrderID", err)
	}
}
