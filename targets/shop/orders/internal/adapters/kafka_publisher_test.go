package adapters_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"github.com/twmb/franz-go/pkg/kgo"

	"faultline.dev/shop/platform/pg/pgtest"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// KafkaImage is the project's single-node KRaft Kafka image, built locally.
const KafkaImage = "faultline/kafka:4.1.1"

// startKafka runs Kafka on a fixed local port: the advertised listener must be known
// before the broker starts, and must survive a stop and start of the container.
func startKafka(t *testing.T) (testcontainers.Container, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the Kafka container")
	}
	if reason := dockerUnreachable(); reason != "" {
		pgtest.DockerUnavailable(t, reason)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := testcontainers.Run(ctx, KafkaImage,
		testcontainers.WithEnv(map[string]string{"KAFKA_CFG_ADVERTISED_LISTENERS": "PLAINTEXT://127.0.0.1:" + port}),
		testcontainers.WithExposedPorts("9092/tcp"),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{network.MustParsePort("9092/tcp"): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: port}}}
		}),
		testcontainers.WithWaitStrategy(wait.ForLog("Kafka Server started").WithStartupTimeout(2*time.Minute)),
	)
	if c != nil {
		t.Cleanup(func() {
			if err := testcontainers.TerminateContainer(c); err != nil {
				t.Errorf("terminate kafka: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start %s: %v", KafkaImage, err)
	}
	return c, "127.0.0.1:" + port
}

// consume reads n records of topic from the beginning.
func consume(t *testing.T, broker, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, ctx.Err())
		}
		fetches.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fetches.Records()...)
	}
	return out
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// The relay with the real publisher: events written while Kafka is stopped reach it once
// it is back, keyed by order, with their headers, each order's in written order.
func TestKafkaPublisher_relaySurvivesBrokerRestart(t *testing.T) {
	c, broker := startKafka(t)
	topic := fmt.Sprintf("shop.orders.events.test-%d", time.Now().UnixNano())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub, err := adapters.NewKafkaPublisher([]string{broker}, topic, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := pub.Close(context.Background()); err != nil {
			t.Errorf("close publisher: %v", err)
		}
	}()
	ctx := context.Background()
	if err := pub.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	stopTimeout := 10 * time.Second
	if err := c.Stop(ctx, &stopTimeout); err != nil {
		t.Fatalf("stop kafka: %v", err)
	}
	repo := adapters.NewMemoryRepository()
	relay := app.NewOutboxRelay(repo, pub, logger, app.OutboxRelayConfig{
		PollInterval: 20 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, PublishTimeout: 2 * time.Second,
	})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { relay.Run(runCtx); close(stopped) }()
	defer func() { stop(); <-stopped }()

	want := map[string][]string{}
	for i := range 3 {
		o := newOrder(t, fmt.Sprintf("o-%d", i), t0)
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		add(t, repo, o)
		for _, s := range order.Steps {
			if err := o.StartStep(s, t0); err != nil {
				t.Fatal(err)
			}
			if err := o.CompleteStep(s, "ref", t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := o.Confirm(t0); err != nil {
			t.Fatal(err)
		}
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		if err := repo.Save(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second) // the relay fails against the stopped broker meanwhile
	if pending, err := repo.PendingMessages(ctx, 100); err != nil || len(pending) != 6 {
		t.Fatalf("pending = %d, %v; want all 6 kept while Kafka is down", len(pending), err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("restart kafka: %v", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		pending, err := repo.PendingMessages(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events unsent 90s after Kafka came back", len(pending))
		}
		time.Sleep(100 * time.Millisecond)
	}

	records := consume(t, broker, topic, 6)
	got := map[string][]string{}
	for _, r := range records {
		got[string(r.Key)] = append(got[string(r.Key)], header(r, adapters.HeaderEventID))
		if header(r, adapters.HeaderContentType) != "application/json" || header(r, adapters.HeaderEventType) == "" {
			t.Errorf("record %s lacks event-type or content-type headers: %+v", r.Key, r.Headers)
		}
	}
	for id, events := range want {
		if fmt.Sprint(got[id]) != fmt.Sprint(events) {
			t.Errorf("order %s: consumed %v, want %v", id, got[id], events)
		}
	}
}
