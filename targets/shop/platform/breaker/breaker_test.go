package breaker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/breaker"
	"faultline.dev/shop/platform/config"
	"faultline.dev/shop/platform/metrics"
)

var errUnavailable = status.Error(codes.Unavailable, "payments unreachable")

// scrape reads GET /metrics the way a chaos suite does and returns its text.
func scrape(t *testing.T, mux *http.ServeMux) string {
	t.Helper()
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

func requireLine(t *testing.T, text, line, when string) {
	t.Helper()
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return
		}
	}
	t.Fatalf("%s: /metrics has no line %q\n%s", when, line, grep(text, "shop_circuit_breaker"))
}

func grep(text, prefix string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestBreaker_closedOpenHalfOpenClosedObservableInMetrics(t *testing.T) {
	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	metrics.Register(mux, reg)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	cb := breaker.New[string]("payments", breaker.Settings{MaxFailures: 2, OpenTimeout: 50 * time.Millisecond}, logger, reg)
	fail := func() (string, error) { return "", errUnavailable }
	succeed := func() (string, error) { return "ok", nil }

	requireLine(t, scrape(t, mux), `shop_circuit_breaker_state{name="payments"} 0`, "new breaker")

	for range 2 {
		if _, err := cb.Execute(fail); !errors.Is(err, errUnavailable) {
			t.Fatalf("Execute(fail) error = %v, want the call's own error", err)
		}
	}
	text := scrape(t, mux)
	requireLine(t, text, `shop_circuit_breaker_state{name="payments"} 2`, "after 2 failures")
	requireLine(t, text, `shop_circuit_breaker_transitions_total{from="closed",name="payments",to="open"} 1`, "after 2 failures")

	called := false
	_, err := cb.Execute(func() (string, error) { called = true; return "", nil })
	if !breaker.IsOpen(err) || called {
		t.Fatalf("open breaker: Execute error = %v, called = %v; want IsOpen and no call", err, called)
	}

	time.Sleep(60 * time.Millisecond)
	text = scrape(t, mux)
	requireLine(t, text, `shop_circuit_breaker_state{name="payments"} 1`, "after the open timeout, without traffic")
	requireLine(t, text, `shop_circuit_breaker_transitions_total{from="open",name="payments",to="half-open"} 1`, "after the open timeout")

	if got, err := cb.Execute(succeed); err != nil || got != "ok" {
		t.Fatalf("half-open trial = %q, %v", got, err)
	}
	text = scrape(t, mux)
	requireLine(t, text, `shop_circuit_breaker_state{name="payments"} 0`, "after a successful trial")
	requireLine(t, text, `shop_circuit_breaker_transitions_total{from="half-open",name="payments",to="closed"} 1`, "after a successful trial")

	for _, want := range []string{`"to":"open"`, `"to":"half-open"`, `"to":"closed"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("state change %s was not logged:\n%s", want, logs.String())
		}
	}
}

func TestBreaker_businessRefusalsDoNotOpenIt(t *testing.T) {
	cb := breaker.New[int]("payments", breaker.Settings{MaxFailures: 1}, slog.New(slog.DiscardHandler), nil)
	declined := status.Error(codes.FailedPrecondition, "payment declined")

	for range 5 {
		if _, err := cb.Execute(func() (int, error) { return 0, declined }); status.Code(err) != codes.FailedPrecondition {
			t.Fatalf("Execute error = %v, want the decline", err)
		}
	}
	if _, err := cb.Execute(func() (int, error) { return 0, context.Canceled }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Execute error = %v, want context.Canceled", err)
	}
	if got := cb.State().String(); got != "closed" {
		t.Errorf("state after declines and a cancellation = %s, want closed", got)
	}

	if _, err := cb.Execute(func() (int, error) { return 0, errUnavailable }); !errors.Is(err, errUnavailable) {
		t.Fatalf("Execute error = %v", err)
	}
	if got := cb.State().String(); got != "open" {
		t.Errorf("state after one Unavailable with MaxFailures 1 = %s, want open", got)
	}
}

func TestBreaker_manyBreakersShareOneRegistry(t *testing.T) {
	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	metrics.Register(mux, reg)
	logger := slog.New(slog.DiscardHandler)
	breaker.New[int]("payments", breaker.Settings{}, logger, reg)
	breaker.New[string]("inventory", breaker.Settings{}, logger, reg)

	text := scrape(t, mux)
	requireLine(t, text, `shop_circuit_breaker_state{name="payments"} 0`, "two breakers")
	requireLine(t, text, `shop_circuit_breaker_state{name="inventory"} 0`, "two breakers")
}

func TestSettingsFromEnv_defaultsAndProblems(t *testing.T) {
	s := breaker.SettingsFromEnv(config.NewLoaderMap(nil), "PAYMENTS")
	want := breaker.Settings{MaxFailures: 5, OpenTimeout: 10 * time.Second, HalfOpenRequests: 1}
	if s.MaxFailures != want.MaxFailures || s.OpenTimeout != want.OpenTimeout || s.HalfOpenRequests != want.HalfOpenRequests || s.Interval != 0 {
		t.Errorf("defaults = %+v, want %+v", s, want)
	}

	l := config.NewLoaderMap(map[string]string{
		"PAYMENTS_BREAKER_MAX_FAILURES":       "0",
		"PAYMENTS_BREAKER_OPEN_TIMEOUT":       "soon",
		"PAYMENTS_BREAKER_HALF_OPEN_REQUESTS": "3",
		"PAYMENTS_BREAKER_INTERVAL":           "30s",
	})
	s = breaker.SettingsFromEnv(l, "PAYMENTS")
	err := l.Err()
	if err == nil || !strings.Contains(err.Error(), "PAYMENTS_BREAKER_MAX_FAILURES") || !strings.Contains(err.Error(), "PAYMENTS_BREAKER_OPEN_TIMEOUT") {
		t.Errorf("Err() = %v, want problems for MAX_FAILURES and OPEN_TIMEOUT", err)
	}
	if s.HalfOpenRequests != 3 || s.Interval != 30*time.Second {
		t.Errorf("settings = %+v, want HalfOpenRequests 3, Interval 30s", s)
	}
}
