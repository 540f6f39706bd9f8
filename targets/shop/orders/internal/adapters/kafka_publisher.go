package adapters

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// OrderEventsTopic is the topic of order events (EVENTS.md).
const OrderEventsTopic = "shop.orders.events"

// Kafka record headers (EVENTS.md).
const (
	HeaderEventID     = "event-id"
	HeaderEventType   = "event-type"
	HeaderContentType = "content-type"
)

// KafkaPublisher publishes order events with franz-go: keyed by order ID (so an order's
// events share a partition and keep their order), acknowledged by all in-sync replicas,
// with the idempotent producer franz-go enables by default.
type KafkaPublisher struct {
	client *kgo.Client
	topic  string
}

var (
	_ app.MessagePublisher = (*KafkaPublisher)(nil)
	_ app.EventPublisher   = (*KafkaPublisher)(nil)
)

// NewKafkaPublisher returns a publisher on brokers. It connects lazily: orders starts
// (and keeps its outbox) while Kafka is down.
func NewKafkaPublisher(brokers []string, topic string, logger *slog.Logger) (*KafkaPublisher, error) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.AllowAutoTopicCreation(),
		kgo.ProducerLinger(0),
		// Events are small JSON documents; uncompressed batches stay readable by every
		// consumer library (franz-go's default, snappy, is not built into all of them).
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.WithLogger(kgoLogger{logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return &KafkaPublisher{client: client, topic: topic}, nil
}

// Publish sends one outbox message and waits for the broker's acknowledgement or ctx.
func (p *KafkaPublisher) Publish(ctx context.Context, m app.OutboxMessage) error {
	rec := &kgo.Record{
		Topic: p.topic,
		Key:   []byte(m.OrderID),
		Value: m.Payload,
		Headers: []kgo.RecordHeader{
			{Key: HeaderEventID, Value: []byte(m.EventID)},
			{Key: HeaderEventType, Value: []byte(m.EventType)},
			{Key: HeaderContentType, Value: []byte("application/json")},
		},
	}
	for k, v := range m.Headers { // traceparent, tracestate, baggage
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	if err := p.client.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("produce to %s: %w", p.topic, err)
	}
	return nil
}

// PublishEvent publishes e at once, with ctx's trace context (dual-write sabotage only).
func (p *KafkaPublisher) PublishEvent(ctx context.Context, e order.Event) error {
	return p.Publish(ctx, MessageFromEvent(ctx, e))
}

// Ping checks that a broker answers (not part of readiness: the outbox rides out outages).
func (p *KafkaPublisher) Ping(ctx context.Context) error {
	if err := p.client.Ping(ctx); err != nil {
		return fmt.Errorf("kafka ping: %w", err)
	}
	return nil
}

// Close flushes what is buffered (within ctx) and closes the client.
func (p *KafkaPublisher) Close(ctx context.Context) error {
	err := p.client.Flush(ctx)
	p.client.Close()
	if err != nil {
		return fmt.Errorf("kafka flush: %w", err)
	}
	return nil
}

// kgoLogger sends franz-go's warnings and errors to slog.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	l := slog.LevelWarn
	if level == kgo.LogLevelError {
		l = slog.LevelError
	}
	k.l.Log(context.Background(), l, "kafka: "+msg, keyvals...)
}
