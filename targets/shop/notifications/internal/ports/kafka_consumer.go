package ports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
)

// Defaults of KafkaConsumerConfig.
const (
	DefaultTopic          = "shop.orders.events"
	DefaultGroup          = "notifications"
	DefaultMaxPollRecords = 100
	// DefaultSessionTimeout is how long the group waits for a member that stopped
	// heartbeating before giving its partitions to another. Kafka's own default (45s)
	// stalls every event for 45 s after a member crashes and comes back.
	DefaultSessionTimeout = 10 * time.Second
)

// KafkaConsumerConfig configures the consumer of order events.
type KafkaConsumerConfig struct {
	Brokers []string
	// Topic is the order events topic (DefaultTopic).
	Topic string
	// Group is the consumer group (DefaultGroup).
	Group string
	// MaxPollRecords bounds one batch (DefaultMaxPollRecords): a batch is handled, then its
	// offsets are committed.
	MaxPollRecords int
	// HandleTimeout bounds one attempt at storing a delivery (10s), so a database that
	// hangs is retried and logged instead of waited on for ever.
	HandleTimeout time.Duration
	// RetryBackoff is the first pause before retrying a delivery that failed to be stored
	// (100ms), doubling up to RetryBackoffMax (5s).
	RetryBackoff    time.Duration
	RetryBackoffMax time.Duration
	// SessionTimeout is the group session timeout (DefaultSessionTimeout); the member
	// heartbeats every tenth of it. The broker bounds it (group.min.session.timeout.ms, 6s).
	SessionTimeout time.Duration
	// DropOnStoreError is the drop-on-store-error sabotage: a delivery that could not be
	// stored is given up after its first attempt and its offset committed (the event is lost).
	DropOnStoreError bool
}

// KafkaConsumer reads order events in consumer group "notifications" and hands each to the
// HandleOrderEvent use case. Delivery is at least once: offsets are committed only after
// the records before them were stored (the database commit comes first), so a crash
// redelivers, and the handler's dedupe makes the redelivery harmless.
type KafkaConsumer struct {
	cfg     KafkaConsumerConfig
	client  *kgo.Client
	records *RecordHandler
	logger  *slog.Logger
	metrics *ConsumerMetrics

	stopPolling context.CancelFunc // ends PollRecords and stops taking records from the batch
	pollCtx     context.Context
	abortWork   context.CancelFunc // cancels a delivery in flight (shutdown budget spent)
	workCtx     context.Context
	done        chan struct{}
	runOnce     sync.Once
}

// NewKafkaConsumer returns a consumer that has not started polling. reg, when not nil,
// receives its metrics.
func NewKafkaConsumer(cfg KafkaConsumerConfig, handler app.HandleOrderEventHandler, logger *slog.Logger, reg prometheus.Registerer) (*KafkaConsumer, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka consumer: no brokers")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.Group == "" {
		cfg.Group = DefaultGroup
	}
	if cfg.MaxPollRecords <= 0 {
		cfg.MaxPollRecords = DefaultMaxPollRecords
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 10 * time.Second
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 100 * time.Millisecond
	}
	if cfg.RetryBackoffMax <= 0 {
		cfg.RetryBackoffMax = 5 * time.Second
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	m, err := NewConsumerMetrics(reg)
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID("notifications"),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topic),
		// A new group starts at the oldest event, so events published before the first
		// start of notifications are handled too.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are committed by hand, after the database commit.
		kgo.DisableAutoCommit(),
		// No rebalance between a poll and its commit, so a commit never lands on a
		// partition this member no longer owns.
		kgo.BlockRebalanceOnPoll(),
		// A member killed without leaving the group holds its partitions until its session
		// ends: that bounds how long events wait after a crash.
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(cfg.SessionTimeout/10),
		kgo.WithLogger(kgoLogger{logger: logger}),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka consumer: new client: %w", err)
	}
	c := &KafkaConsumer{
		cfg:     cfg,
		client:  client,
		records: NewRecordHandler(handler, cfg.Group, logger, m),
		logger:  logger,
		metrics: m,
		done:    make(chan struct{}),
	}
	c.pollCtx, c.stopPolling = context.WithCancel(context.Background())
	c.workCtx, c.abortWork = context.WithCancel(context.Background())
	return c, nil
}

// Ping tells whether a Kafka broker answers (readiness).
func (c *KafkaConsumer) Ping(ctx context.Context) error {
	if err := c.client.Ping(ctx); err != nil {
		return fmt.Errorf("kafka ping: %w", err)
	}
	return nil
}

// Run polls, handles and commits until Stop. It returns nil after Stop.
func (c *KafkaConsumer) Run() error {
	started := false
	c.runOnce.Do(func() { started = true })
	if !started {
		return errors.New("kafka consumer: Run called twice or after Stop")
	}
	defer close(c.done)
	c.logger.Info("kafka consumer started",
		slog.String("topic", c.cfg.Topic), slog.String("group", c.cfg.Group), slog.Any("brokers", c.cfg.Brokers))
	for {
		fetches := c.client.PollRecords(c.pollCtx, c.cfg.MaxPollRecords)
		if fetches.IsClientClosed() || c.pollCtx.Err() != nil {
			c.client.AllowRebalance()
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			c.logger.Warn("kafka fetch failed", slog.String("topic", topic), slog.Int("partition", int(partition)), logging.Error(err))
		})
		var handled []*kgo.Record
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			last := int64(-1)
			for _, r := range p.Records {
				if !c.deliver(r) {
					break // stopping: the rest of the batch is redelivered later
				}
				handled = append(handled, r)
				last = r.Offset
			}
			if last >= 0 {
				c.metrics.lag.WithLabelValues(p.Topic, strconv.Itoa(int(p.Partition))).Set(float64(max(0, p.HighWatermark-last-1)))
			}
		})
		c.commit(handled)
		c.client.AllowRebalance()
	}
}

// deliver handles one record, retrying with backoff while storing it fails. It returns
// false when the consumer stops before the record was handled.
func (c *KafkaConsumer) deliver(r *kgo.Record) bool {
	if c.pollCtx.Err() != nil {
		return false
	}
	backoff := c.cfg.RetryBackoff
	for {
		ctx, cancel := context.WithTimeout(c.workCtx, c.cfg.HandleTimeout)
		err := c.records.Handle(ctx, r)
		cancel()
		if err == nil {
			return true
		}
		c.metrics.handleErrors.Inc()
		if c.cfg.DropOnStoreError {
			c.logger.Error("SABOTAGE drop-on-store-error: order event given up, its offset is committed",
				slog.Int("partition", int(r.Partition)), slog.Int64("offset", r.Offset), logging.Error(err))
			return true
		}
		c.logger.Error("handling order event failed, will retry",
			slog.Int("partition", int(r.Partition)), slog.Int64("offset", r.Offset),
			slog.String("retry_in", backoff.String()), logging.Error(err))
		select {
		case <-c.pollCtx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, c.cfg.RetryBackoffMax)
	}
}

// commit commits the offsets after the handled records. A failed commit is logged, not
// fatal: the records are redelivered and deduplicated.
func (c *KafkaConsumer) commit(records []*kgo.Record) {
	if len(records) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(c.workCtx, 10*time.Second)
	defer cancel()
	if err := c.client.CommitRecords(ctx, records...); err != nil {
		c.metrics.commitErrors.Inc()
		c.logger.Warn("committing offsets failed; the records will be redelivered", slog.Int("records", len(records)), logging.Error(err))
	}
}

// RecordHandler turns one Kafka record into a HandleOrderEvent command, inside a consumer
// span that continues the trace found in the record's headers.
type RecordHandler struct {
	handler app.HandleOrderEventHandler
	group   string
	logger  *slog.Logger
	tracer  trace.Tracer
	metrics *ConsumerMetrics
}

// NewRecordHandler returns the handler of records consumed by group.
func NewRecordHandler(handler app.HandleOrderEventHandler, group string, logger *slog.Logger, m *ConsumerMetrics) *RecordHandler {
	return &RecordHandler{
		handler: handler, group: group, logger: logger, metrics: m,
		tracer: otel.Tracer("faultline.dev/shop/notifications/ports"),
	}
}

// Handle handles one record. A record that can never be handled (a poison message) is
// logged, counted and skipped: it returns nil so its offset is committed. Any other error
// means nothing was stored and the record must be retried.
func (c *RecordHandler) Handle(ctx context.Context, r *kgo.Record) (err error) {
	headers := make(map[string]string, len(r.Headers))
	for _, h := range r.Headers {
		headers[h.Key] = string(h.Value)
	}
	// The trace and the request ID continue from the request that caused the event.
	ctx = tracing.ExtractKafkaHeaders(ctx, headers)
	if id := headers[logging.RequestIDKey]; logging.ValidRequestID(id) {
		ctx = logging.WithRequestID(ctx, id)
	}
	ctx, span := c.tracer.Start(ctx, r.Topic+" process",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", r.Topic),
			attribute.String("messaging.consumer.group.name", c.group),
			attribute.Int("messaging.destination.partition.id", int(r.Partition)),
			attribute.Int64("messaging.kafka.offset", r.Offset),
		))
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()

	event, err := decodeEvent(headers, r.Value)
	if err != nil {
		c.metrics.invalid.Inc()
		c.logger.ErrorContext(ctx, "skipping order event that can never be handled",
			slog.Int("partition", int(r.Partition)), slog.Int64("offset", r.Offset), logging.Error(err))
		return nil
	}
	span.SetAttributes(attribute.String("messaging.message.id", event.ID), attribute.String("shop.order.id", event.OrderID))

	outcome, err := c.handler.Handle(ctx, app.HandleOrderEvent{Event: event})
	if err != nil {
		return err
	}
	switch outcome {
	case app.Handled:
		c.metrics.handled.WithLabelValues(string(event.Type)).Inc()
	case app.HandledAgain:
		c.metrics.handled.WithLabelValues(string(event.Type)).Inc()
		c.metrics.handledAgain.Inc()
	case app.DuplicateSkipped:
		c.metrics.duplicates.Inc()
	}
	c.logger.InfoContext(ctx, "order event "+outcome.String(),
		slog.String("event_id", event.ID), slog.String("event_type", string(event.Type)),
		slog.String("order_id", event.OrderID), slog.Int("partition", int(r.Partition)), slog.Int64("offset", r.Offset))
	return nil
}

// eventValue is the JSON value of an order event (proto/EVENTS.md).
type eventValue struct {
	EventID    string    `json:"event_id"`
	Type       string    `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	Order      struct {
		ID                 string `json:"id"`
		CancellationReason string `json:"cancellation_reason"`
	} `json:"order"`
}

// decodeEvent reads an event from its headers (event-id, event-type) and JSON value. The
// headers win; the value's fields are the fallback, and a mismatch is an invalid event.
func decodeEvent(headers map[string]string, value []byte) (notification.Event, error) {
	var v eventValue
	if err := json.Unmarshal(value, &v); err != nil {
		return notification.Event{}, fmt.Errorf("%w: value is not an order event: %w", notification.ErrInvalidEvent, err)
	}
	id, err := pick("event id", headers["event-id"], v.EventID)
	if err != nil {
		return notification.Event{}, err
	}
	typ, err := pick("event type", headers["event-type"], v.Type)
	if err != nil {
		return notification.Event{}, err
	}
	return notification.NewEvent(id, notification.EventType(typ), v.Order.ID, v.OccurredAt, v.Order.CancellationReason)
}

func pick(what, header, value string) (string, error) {
	switch {
	case header == "":
		return value, nil
	case value == "" || value == header:
		return header, nil
	default:
		return "", fmt.Errorf("%w: %s header %q differs from value %q", notification.ErrInvalidEvent, what, header, value)
	}
}

// Stop stops polling, lets the delivery in flight finish, commits what was handled, leaves
// the group and closes the client. When ctx ends first, the delivery in flight is
// cancelled (it rolls back and is redelivered later).
func (c *KafkaConsumer) Stop(ctx context.Context) error {
	c.stopPolling()
	started := true
	c.runOnce.Do(func() { started = false; close(c.done) })
	if started {
		select {
		case <-c.done:
		case <-ctx.Done():
			c.abortWork()
			<-c.done
		}
	}
	defer c.abortWork()
	var leaveErr error
	if err := c.client.LeaveGroupContext(ctx); err != nil {
		leaveErr = fmt.Errorf("kafka consumer: leave group: %w", err)
	}
	c.client.Close()
	c.logger.Info("kafka consumer stopped")
	return leaveErr
}

// ConsumerMetrics are the consumer's Prometheus metrics.
type ConsumerMetrics struct {
	handled      *prometheus.CounterVec
	duplicates   prometheus.Counter
	handledAgain prometheus.Counter
	invalid      prometheus.Counter
	handleErrors prometheus.Counter
	commitErrors prometheus.Counter
	lag          *prometheus.GaugeVec
}

// NewConsumerMetrics creates the metrics and registers them on reg when it is not nil.
func NewConsumerMetrics(reg prometheus.Registerer) (*ConsumerMetrics, error) {
	m := &ConsumerMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shop_notifications_events_handled_total",
			Help: "Order event deliveries that stored a notification, by event type.",
		}, []string{"type"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_notifications_duplicates_skipped_total",
			Help: "Redelivered order events skipped because they were handled before.",
		}),
		handledAgain: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_notifications_events_handled_again_total",
			Help: "Redelivered order events handled a second time (only under the duplicate-delivery sabotage).",
		}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_notifications_events_invalid_total",
			Help: "Records skipped because they can never be handled (not an order event).",
		}),
		handleErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_notifications_handle_errors_total",
			Help: "Deliveries that failed to be stored and were retried.",
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shop_notifications_commit_errors_total",
			Help: "Offset commits that failed (their records are redelivered).",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "shop_notifications_consumer_lag",
			Help: "Records behind the partition's high watermark after the last handled batch.",
		}, []string{"topic", "partition"}),
	}
	if reg != nil {
		for _, col := range []prometheus.Collector{m.handled, m.duplicates, m.handledAgain, m.invalid, m.handleErrors, m.commitErrors, m.lag} {
			if err := reg.Register(col); err != nil {
				return nil, fmt.Errorf("kafka consumer: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

// kgoLogger sends franz-go's own logs (warnings and errors) to slog.
type kgoLogger struct{ logger *slog.Logger }

func (l kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lvl := slog.LevelWarn
	if level == kgo.LogLevelError {
		lvl = slog.LevelError
	}
	l.logger.Log(context.Background(), lvl, "kafka client: "+msg, append([]any{slog.String("component", "franz-go")}, keyvals...)...)
}
