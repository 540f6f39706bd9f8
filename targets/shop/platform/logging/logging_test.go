package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"faultline.dev/shop/platform/logging"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestLogger_linesCarryTraceAndRequestIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.NewWriter(&buf, "orders", slog.LevelInfo)
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3},
		SpanID:     trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := logging.WithRequestID(trace.ContextWithSpanContext(context.Background(), sc), "req-1")

	logger.InfoContext(ctx, "placed order")
	logger.With("component", "saga").WithGroup("g").InfoContext(ctx, "grouped")
	logger.Info("no context")
	logger.DebugContext(ctx, "below level")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(got), buf.String())
	}
	for _, l := range got[:2] {
		if l["trace_id"] != sc.TraceID().String() || l["span_id"] != sc.SpanID().String() || l["request_id"] != "req-1" || l["service"] != "orders" {
			t.Errorf("line %v lacks trace_id/span_id/request_id/service", l)
		}
	}
	if _, ok := got[2]["trace_id"]; ok {
		t.Errorf("line without context has a trace_id: %v", got[2])
	}
}

func TestHTTPMiddleware_keepsOrMakesRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.NewWriter(&buf, "gateway", slog.LevelInfo)
	var seen string
	h := logging.HTTPMiddleware(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = logging.RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))

	req := httptest.NewRequest(http.MethodPost, "/v1/orders", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if seen != "abc-123" || rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Errorf("given id: handler saw %q, response header %q; want abc-123", seen, rec.Header().Get("X-Request-Id"))
	}
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["request_id"] != "abc-123" || got[0]["http.status"] != float64(http.StatusTeapot) {
		t.Errorf("log = %v, want one line with request_id and status 418", got)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/orders/1", nil))
	if seen == "" || seen == "abc-123" || rec.Header().Get("X-Request-Id") != seen {
		t.Errorf("no id: handler saw %q, header %q; want a fresh id echoed", seen, rec.Header().Get("X-Request-Id"))
	}
}
