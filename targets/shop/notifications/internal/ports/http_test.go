package ports_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"faultline.dev/shop/platform/logging"

	"faultline.dev/shop/notifications/internal/adapters"
	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
	"faultline.dev/shop/notifications/internal/ports"
)

func startAPI(t *testing.T) (*httptest.Server, app.HandleOrderEventHandler) {
	t.Helper()
	repo := adapters.NewMemoryRepository()
	handle := app.NewHandleOrderEventHandler(repo, app.WithClock(func() time.Time {
		return time.Date(2026, 11, 25, 2, 16, 27, 0, time.UTC)
	}))
	application := app.Application{
		Commands: app.Commands{HandleOrderEvent: handle},
		Queries: app.Queries{
			ListNotifications: app.NewListNotificationsHandler(repo),
			Stats:             app.NewStatsHandler(repo),
		},
	}
	logger := logging.NewWriter(&syncBuffer{}, "notifications", nil)
	mux := http.NewServeMux()
	ports.NewHTTPServer(application, logger).Register(mux)
	srv := httptest.NewServer(ports.NewHandler(mux, logger))
	t.Cleanup(srv.Close)
	return srv, handle
}

func getJSON(t *testing.T, url string, into any) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer func() {
		if err := resp.Body.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", url, err)
	}
	return resp
}

func deliver(t *testing.T, h app.HandleOrderEventHandler, eventID string, typ notification.EventType, orderID string) {
	t.Helper()
	e, err := notification.NewEvent(eventID, typ, orderID, time.Now(), "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	if _, err := h.Handle(context.Background(), app.HandleOrderEvent{Event: e}); err != nil {
		t.Fatalf("Handle: %v", err)
	}
}

func TestHTTP_listNotifications_returnsTheOrdersNotifications(t *testing.T) {
	srv, h := startAPI(t)
	deliver(t, h, "ev-1", notification.OrderCreated, "order-1")
	deliver(t, h, "ev-2", notification.OrderConfirmed, "order-1")
	deliver(t, h, "ev-3", notification.OrderCreated, "order-2")

	var body struct {
		Notifications []map[string]any `json:"notifications"`
	}
	resp := getJSON(t, srv.URL+"/v1/notifications?order_id=order-1", &body)
	if resp.StatusCode != http.StatusOK || len(body.Notifications) != 2 {
		t.Fatalf("status %d, body %+v; want 200 with 2 notifications", resp.StatusCode, body)
	}
	n := body.Notifications[0]
	for _, field := range []string{"id", "order_id", "event_id", "event_type", "message", "created_at"} {
		if _, ok := n[field]; !ok {
			t.Errorf("notification lacks %q: %v", field, n)
		}
	}
	if n["order_id"] != "order-1" || n["event_type"] != "order.created" || n["created_at"] != "2026-11-25T02:16:27Z" {
		t.Errorf("notification = %v", n)
	}

	var empty map[string]any
	getJSON(t, srv.URL+"/v1/notifications?order_id=order-none", &empty)
	if list, ok := empty["notifications"].([]any); !ok || len(list) != 0 {
		t.Errorf("unknown order: body %v, want an empty list (not null)", empty)
	}
}

func TestHTTP_listNotifications_withoutOrderID_returns400(t *testing.T) {
	srv, _ := startAPI(t)
	var body struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	resp := getJSON(t, srv.URL+"/v1/notifications", &body)
	if resp.StatusCode != http.StatusBadRequest || body.Error.Code != "invalid_argument" || body.Error.Message == "" {
		t.Fatalf("status %d, body %+v; want 400 invalid_argument", resp.StatusCode, body)
	}
}

func TestHTTP_stats_countsHandledAndSkipped(t *testing.T) {
	srv, h := startAPI(t)
	deliver(t, h, "ev-1", notification.OrderCreated, "order-1")
	deliver(t, h, "ev-1", notification.OrderCreated, "order-1")
	deliver(t, h, "ev-2", notification.OrderConfirmed, "order-1")
	var body map[string]float64
	resp := getJSON(t, srv.URL+"/v1/stats", &body)
	want := map[string]float64{"events_handled": 2, "distinct_events": 2, "duplicates_skipped": 1, "events_handled_more_than_once": 0}
	if resp.StatusCode != http.StatusOK || len(body) != len(want) {
		t.Fatalf("status %d, body %v; want %v", resp.StatusCode, body, want)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if id := resp.Header.Get("X-Request-Id"); id == "" {
		t.Error("no X-Request-Id in the response")
	}
}
