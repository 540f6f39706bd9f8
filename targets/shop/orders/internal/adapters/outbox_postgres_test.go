package adapters_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// outageBroker refuses everything while down and every fourth message while up.
type outageBroker struct {
	mu       sync.Mutex
	down     bool
	attempts int
	got      []app.OutboxMessage
}

func (b *outageBroker) Publish(_ context.Context, m app.OutboxMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts++
	if b.down || b.attempts%4 == 0 {
		return errors.New("kafka: leader not available")
	}
	b.got = append(b.got, m)
	return nil
}

// The relay on the PostgreSQL outbox: events written while the broker is down are all
// published once it is back, each order's in the order they were written.
func TestOutboxRelay_postgresSurvivesBrokerOutageInOrder(t *testing.T) {
	repo := adapters.NewOrderPostgresRepository(postgresPool(t))
	ctx := context.Background()
	broker := &outageBroker{down: true}
	relay := app.NewOutboxRelay(repo, broker, slog.New(slog.NewTextHandler(io.Discard, nil)), app.OutboxRelayConfig{
		BatchSize: 5, PollInterval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { relay.Run(runCtx); close(stopped) }()

	want := map[string][]string{}
	for i := range 8 {
		o := newOrder(t, fmt.Sprintf("o-%d", i), t0)
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		add(t, repo, o)
		if err := o.Cancel("insufficient stock", t0); err != nil {
			t.Fatal(err)
		}
		want[o.ID()] = append(want[o.ID()], o.Events()[0].ID)
		if err := repo.Save(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	broker.mu.Lock()
	broker.down = false
	broker.mu.Unlock()

	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, err := repo.PendingMessages(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still unsent after the broker came back", len(pending))
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-stopped

	broker.mu.Lock()
	got := slices.Clone(broker.got)
	broker.mu.Unlock()
	perOrder := map[string][]string{}
	for _, m := range got {
		perOrder[m.OrderID] = append(perOrder[m.OrderID], m.EventID)
		if m.Headers == nil || string(m.Payload) == "" {
			t.Errorf("message %s lacks headers or payload", m.EventID)
		}
	}
	for id, events := range want {
		if !slices.Equal(perOrder[id], events) {
			t.Errorf("order %s: published %v, want %v exactly once each, in order", id, perOrder[id], events)
		}
	}
	var p struct {
		Type  string `json:"type"`
		Order struct {
			Status string `json:"status"`
		} `json:"order"`
	}
	last := got[len(got)-1]
	if err := json.Unmarshal(last.Payload, &p); err != nil || (p.Type != string(order.EventCancelled) && p.Type != string(order.EventCreated)) {
		t.Errorf("payload %s read back from PostgreSQL is not the event: %v", last.Payload, err)
	}
}
