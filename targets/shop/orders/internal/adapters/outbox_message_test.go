package adapters_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/orders/internal/adapters"
)

// The outbox keeps the trace context of the change that wrote the event, so the
// relay, publishing later from another goroutine, continues the same trace in Kafka.
func TestMemoryRepository_outboxCarriesTraceContext(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(tracing.Propagator(nil))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	ctx, span := sdktrace.NewTracerProvider().Tracer("test").Start(context.Background(), "create order")
	defer span.End()

	repo := adapters.NewMemoryRepository()
	if _, _, err := repo.Add(ctx, newOrder(t, "o-1", t0)); err != nil {
		t.Fatal(err)
	}
	msgs, err := repo.PendingMessages(context.Background(), 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox = %v, %v", msgs, err)
	}
	traceparent := msgs[0].Headers["traceparent"]
	if !strings.Contains(traceparent, span.SpanContext().TraceID().String()) {
		t.Errorf("traceparent %q does not carry trace %s", traceparent, span.SpanContext().TraceID())
	}
}

// The outbox keeps the request ID too, so the consumer's log lines name the request.
func TestMemoryRepository_outboxCarriesRequestID(t *testing.T) {
	repo := adapters.NewMemoryRepository()
	ctx := logging.WithRequestID(context.Background(), "req-42")
	if _, _, err := repo.Add(ctx, newOrder(t, "o-1", t0)); err != nil {
		t.Fatal(err)
	}
	msgs, err := repo.PendingMessages(context.Background(), 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox = %v, %v", msgs, err)
	}
	if got := msgs[0].Headers[logging.RequestIDKey]; got != "req-42" {
		t.Errorf("header %s = %q, want req-42", logging.RequestIDKey, got)
	}
}
