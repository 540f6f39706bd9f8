package ports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/notifications/internal/adapters"
	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
	"faultline.dev/shop/notifications/internal/ports"
)

var spans = tracetest.NewInMemoryExporter()

func TestMain(m *testing.M) {
	shutdown, err := tracing.Setup(context.Background(), "notifications-test",
		tracing.WithSpanExporter(spans), tracing.WithLogger(logging.NewWriter(io.Discard, "test", nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracing setup:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := shutdown(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "tracing shutdown:", err)
		code = 1
	}
	os.Exit(code)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type consumerUnderTest struct {
	records *ports.RecordHandler
	repo    *adapters.MemoryRepository
	reg     *prometheus.Registry
	logs    *syncBuffer
}

func newConsumer(t *testing.T, repo notification.Repository, opts ...app.HandleOrderEventOption) *consumerUnderTest {
	t.Helper()
	c := &consumerUnderTest{reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	if repo == nil {
		c.repo = adapters.NewMemoryRepository()
		repo = c.repo
	}
	m, err := ports.NewConsumerMetrics(c.reg)
	if err != nil {
		t.Fatalf("NewConsumerMetrics: %v", err)
	}
	c.records = ports.NewRecordHandler(app.NewHandleOrderEventHandler(repo, opts...), "notifications",
		logging.NewWriter(c.logs, "notifications", nil), m)
	return c
}

// metric returns the value of a counter or gauge, summed over its label sets.
func (c *consumerUnderTest) metric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := c.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

const traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// record is an order event as orders' outbox relay publishes it (proto/EVENTS.md).
func record(t *testing.T, eventID, typ, orderID string) *kgo.Record {
	t.Helper()
	value, err := json.Marshal(map[string]any{
		"event_id": eventID, "type": typ, "occurred_at": "2026-11-25T02:16:27.123Z",
		"order": map[string]any{
			"id": orderID, "customer_id": "c-1", "status": "CONFIRMED", "total_cents": 2500, "currency": "EUR",
			"lines":               []map[string]any{{"sku": "SKU-1", "quantity": 1, "unit_price_cents": 2500}},
			"cancellation_reason": "",
		},
	})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return &kgo.Record{
		Topic: ports.DefaultTopic, Partition: 0, Offset: 7, Key: []byte(orderID), Value: value,
		Headers: []kgo.RecordHeader{
			{Key: "event-id", Value: []byte(eventID)},
			{Key: "event-type", Value: []byte(typ)},
			{Key: "content-type", Value: []byte("application/json")},
			{Key: "traceparent", Value: []byte(traceParent)},
		},
	}
}

func TestRecordHandler_orderEvent_storesOneNotification(t *testing.T) {
	c := newConsumer(t, nil)
	if err := c.records.Handle(context.Background(), record(t, "ev-1", "order.confirmed", "order-1")); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	ns, err := c.repo.ListByOrder(context.Background(), "order-1")
	if err != nil {
		t.Fatalf("ListByOrder: %v", err)
	}
	if len(ns) != 1 || ns[0].EventID != "ev-1" || ns[0].EventType != notification.OrderConfirmed {
		t.Fatalf("notifications = %+v", ns)
	}
	if got := c.metric(t, "shop_notifications_events_handled_total"); got != 1 {
		t.Fatalf("events handled metric = %v, want 1", got)
	}
}

func TestRecordHandler_redelivery_isSkippedAndCounted(t *testing.T) {
	c := newConsumer(t, nil)
	r := record(t, "ev-1", "order.created", "order-1")
	for i := range 2 {
		if err := c.records.Handle(context.Background(), r); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if s, err := c.repo.Stats(context.Background()); err != nil || s.EventsHandled != 1 || s.DuplicatesSkipped != 1 {
		t.Fatalf("stats = %+v, err %v; want one handled, one skipped", s, err)
	}
	if got := c.metric(t, "shop_notifications_duplicates_skipped_total"); got != 1 {
		t.Fatalf("duplicates skipped metric = %v, want 1", got)
	}
}

func TestRecordHandler_duplicateDeliverySabotage_handlesTheRedeliveryAgain(t *testing.T) {
	c := newConsumer(t, nil, app.WithoutDedupe())
	r := record(t, "ev-1", "order.created", "order-1")
	for i := range 2 {
		if err := c.records.Handle(context.Background(), r); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if s, err := c.repo.Stats(context.Background()); err != nil || s.EventsHandled != 2 || s.EventsHandledMoreThanOnce != 1 {
		t.Fatalf("stats = %+v, err %v; want the event handled twice", s, err)
	}
	if got := c.metric(t, "shop_notifications_events_handled_again_total"); got != 1 {
		t.Fatalf("handled again metric = %v, want 1", got)
	}
}

func TestRecordHandler_poisonMessage_isSkippedNotRetried(t *testing.T) {
	mismatch := record(t, "ev-1", "order.created", "order-1")
	mismatch.Headers[0].Value = []byte("ev-other")
	noOrder := record(t, "ev-2", "order.created", "")
	unknownType := record(t, "ev-3", "order.shipped", "order-1")
	for name, r := range map[string]*kgo.Record{
		"not JSON":                 {Topic: ports.DefaultTopic, Value: []byte("{"), Headers: []kgo.RecordHeader{{Key: "event-id", Value: []byte("ev-9")}}},
		"header and value differ":  mismatch,
		"no order id":              noOrder,
		"unknown event type":       unknownType,
		"no event id in the value": {Topic: ports.DefaultTopic, Value: []byte(`{"type":"order.created","order":{"id":"o"}}`)},
	} {
		t.Run(name, func(t *testing.T) {
			c := newConsumer(t, nil)
			if err := c.records.Handle(context.Background(), r); err != nil {
				t.Fatalf("Handle = %v, want nil so the offset is committed", err)
			}
			if s, err := c.repo.Stats(context.Background()); err != nil || s != (notification.Stats{}) {
				t.Fatalf("stats = %+v, err %v; want nothing stored", s, err)
			}
			if got := c.metric(t, "shop_notifications_events_invalid_total"); got != 1 {
				t.Fatalf("invalid metric = %v, want 1", got)
			}
		})
	}
}

type failingRepository struct {
	notification.Repository
}

var errDatabaseDown = errors.New("database down")

func (failingRepository) ProcessEvent(context.Context, string, notification.DecideFunc) error {
	return errDatabaseDown
}

func TestRecordHandler_storeFails_returnsTheErrorSoTheRecordIsRetried(t *testing.T) {
	c := newConsumer(t, failingRepository{})
	err := c.records.Handle(context.Background(), record(t, "ev-1", "order.created", "order-1"))
	if !errors.Is(err, errDatabaseDown) {
		t.Fatalf("Handle = %v, want the store's error", err)
	}
}

func TestRecordHandler_traceContext_continuesFromKafkaHeaders(t *testing.T) {
	spans.Reset()
	c := newConsumer(t, nil)
	if err := c.records.Handle(context.Background(), record(t, "ev-1", "order.confirmed", "order-1")); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := spans.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans, want 1", len(got))
	}
	sp := got[0]
	if sp.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || sp.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("span %s is in trace %s under %s, want the producer's trace and span", sp.Name,
			sp.SpanContext.TraceID(), sp.Parent.SpanID())
	}
	if !strings.Contains(c.logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Fatalf("log lines do not carry the trace id:\n%s", c.logs.String())
	}
}

func TestRecordHandler_requestID_continuesFromKafkaHeaders(t *testing.T) {
	c := newConsumer(t, nil)
	r := record(t, "ev-1", "order.confirmed", "order-1")
	r.Headers = append(r.Headers, kgo.RecordHeader{Key: "x-request-id", Value: []byte("req-42")})
	if err := c.records.Handle(context.Background(), r); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if !strings.Contains(c.logs.String(), `"request_id":"req-42"`) {
		t.Fatalf("log lines do not carry the request id from the record's headers:\n%s", c.logs.String())
	}
}

func TestKafkaConsumer_stopWithoutBroker_returnsWithinTheBudget(t *testing.T) {
	c, err := ports.NewKafkaConsumer(ports.KafkaConsumerConfig{Brokers: []string{"127.0.0.1:1"}},
		app.NewHandleOrderEventHandler(adapters.NewMemoryRepository()), logging.NewWriter(io.Discard, "test", nil), nil)
	if err != nil {
		t.Fatalf("NewKafkaConsumer: %v", err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run() }()
	time.Sleep(100 * time.Millisecond) // polling, with no broker to answer

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := c.Stop(ctx); err != nil {
		t.Logf("Stop: %v (no group was ever joined)", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("Stop took %v, more than its budget", took)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run = %v, want nil after Stop", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after Stop")
	}
}
