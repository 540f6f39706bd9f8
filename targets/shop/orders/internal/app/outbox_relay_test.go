package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// flakyBroker acknowledges what it accepts and refuses while down, or whenever fail says so.
type flakyBroker struct {
	mu       sync.Mutex
	down     bool
	fail     func(m app.OutboxMessage, attempt int) bool
	attempts int
	got      []app.OutboxMessage
}

func (b *flakyBroker) Publish(_ context.Context, m app.OutboxMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts++
	if b.down || (b.fail != nil && b.fail(m, b.attempts)) {
		return errors.New("broker: not enough replicas")
	}
	b.got = append(b.got, m)
	return nil
}

func (b *flakyBroker) setDown(down bool) {
	b.mu.Lock()
	b.down = down
	b.mu.Unlock()
}

func (b *flakyBroker) received() []app.OutboxMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.got)
}

// storeEvents writes n orders, each created -> confirmed or created -> cancelled, into repo.
func storeEvents(t *testing.T, repo *adapters.MemoryRepository, n int) map[string][]string {
	t.Helper()
	ctx := context.Background()
	want := map[string][]string{}
	for i := range n {
		o, err := order.New(fmt.Sprintf("o-%d", i), fmt.Sprintf("k-%d", i), "c", "EUR",
			[]order.Line{{SKU: "SKU-1", Quantity: 1, UnitPriceCents: 100}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		if _, _, err := repo.Add(ctx, o); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := o.Cancel("payment declined", time.Now()); err != nil {
				t.Fatal(err)
			}
		} else {
			for _, s := range order.Steps {
				if err := errors.Join(o.StartStep(s, time.Now()), o.CompleteStep(s, "ref", time.Now())); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.Confirm(time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		if err := repo.Save(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// assertDelivered checks that every event arrived and that, per order, the first
// arrival of each event follows the written order (duplicates allowed, at least once).
func assertDelivered(t *testing.T, want map[string][]string, got []app.OutboxMessage) {
	t.Helper()
	firstSeen := map[string][]string{}
	seen := map[string]bool{}
	for _, m := range got {
		if !seen[m.EventID] {
			seen[m.EventID] = true
			firstSeen[m.OrderID] = append(firstSeen[m.OrderID], m.EventID)
		}
	}
	for id, events := range want {
		if !slices.Equal(firstSeen[id], events) {
			t.Errorf("order %s: delivered %v, want %v in that order", id, firstSeen[id], events)
		}
	}
}

func relayConfig() app.OutboxRelayConfig {
	return app.OutboxRelayConfig{BatchSize: 7, PollInterval: time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

func TestOutboxRelay_publishesEachOrderInOrderDespiteFailures(t *testing.T) {
	repo := adapters.NewMemoryRepository()
	want := storeEvents(t, repo, 20)
	// every third publish fails: an order's later event must wait for the earlier one
	broker := &flakyBroker{fail: func(_ app.OutboxMessage, attempt int) bool { return attempt%3 == 0 }}
	relay := app.NewOutboxRelay(repo, broker, quietLogger(), relayConfig())
	for round := 0; ; round++ {
		if round > 100 {
			t.Fatal("outbox not drained after 100 rounds")
		}
		n, err := relay.RelayOnce(context.Background())
		if n == 0 && err == nil {
			break
		}
	}
	got := broker.received()
	if len(got) != 40 {
		t.Errorf("published %d messages, want 40 (each once: a failed publish is never marked sent, a successful one always)", len(got))
	}
	assertDelivered(t, want, got)
	for _, m := range got {
		if m.Headers == nil || m.OrderID == "" || len(m.Payload) == 0 {
			t.Fatalf("message %+v lacks key, payload or headers", m)
		}
	}
}

func TestOutboxRelay_losesNothingThroughABrokerOutage(t *testing.T) {
	repo := adapters.NewMemoryRepository()
	broker := &flakyBroker{down: true}
	relay := app.NewOutboxRelay(repo, broker, quietLogger(), relayConfig())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { relay.Run(ctx); close(stopped) }()

	want := storeEvents(t, repo, 10)
	relay.Notify()
	time.Sleep(50 * time.Millisecond) // the relay retries against the dead broker
	if got := broker.received(); len(got) != 0 {
		t.Fatalf("broker down but %d messages delivered", len(got))
	}
	if pending, err := repo.PendingMessages(context.Background(), 100); err != nil || len(pending) != 20 {
		t.Fatalf("pending = %d, %v; want all 20 kept while the broker is down", len(pending), err)
	}
	broker.setDown(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		pending, err := repo.PendingMessages(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending after the broker came back", len(pending))
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	<-stopped
	assertDelivered(t, want, broker.received())
}

// markFailingStore fails the first MarkSent: the published messages go out again.
type markFailingStore struct {
	*adapters.MemoryRepository
	failed bool
}

func (s *markFailingStore) MarkSent(ctx context.Context, ids []string) error {
	if !s.failed {
		s.failed = true
		return errors.New("connection reset")
	}
	return s.MemoryRepository.MarkSent(ctx, ids)
}

func TestOutboxRelay_redeliversWhenMarkingFails(t *testing.T) {
	repo := adapters.NewMemoryRepository()
	want := storeEvents(t, repo, 3)
	broker := &flakyBroker{}
	relay := app.NewOutboxRelay(&markFailingStore{MemoryRepository: repo}, broker, quietLogger(), relayConfig())
	if _, err := relay.RelayOnce(context.Background()); err == nil {
		t.Fatal("RelayOnce hid the failed MarkSent")
	}
	if _, err := relay.RelayOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(broker.received()); got != 12 {
		t.Errorf("published %d, want 12 (6 events twice: at least once, never lost)", got)
	}
	assertDelivered(t, want, broker.received())
}
