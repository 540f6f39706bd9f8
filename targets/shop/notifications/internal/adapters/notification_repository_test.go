package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/pg/pgtest"

	"faultline.dev/shop/notifications/internal/adapters"
	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// repositories are every adapter of notification.Repository; the contract below runs
// against each. The PostgreSQL one skips, saying why, only when Docker is unreachable.
var repositories = []struct {
	name string
	new  func(t *testing.T) notification.Repository
}{
	{"memory", func(*testing.T) notification.Repository { return adapters.NewMemoryRepository() }},
	{"postgres", func(t *testing.T) notification.Repository { return adapters.NewPostgresRepository(newPool(t)) }},
}

// newPool opens a fresh, migrated database.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pool, err := pg.Open(ctx, dsn, adapters.Migrations, adapters.MigrationsDir)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var base = time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)

func newNotification(t *testing.T, eventID, orderID string, at time.Time) notification.Notification {
	t.Helper()
	e, err := notification.NewEvent(eventID, notification.OrderConfirmed, orderID, at, "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return e.Notify(fmt.Sprintf("00000000-0000-4000-8000-%012d", at.UnixMilli()%1e12), at)
}

// store delivers the event, storing n whatever was processed before.
func store(t *testing.T, repo notification.Repository, n notification.Notification) (alreadyProcessed bool) {
	t.Helper()
	err := repo.ProcessEvent(context.Background(), n.EventID, func(processed bool) (*notification.Notification, error) {
		alreadyProcessed = processed
		return &n, nil
	})
	if err != nil {
		t.Fatalf("ProcessEvent(%s): %v", n.EventID, err)
	}
	return alreadyProcessed
}

func list(t *testing.T, repo notification.Repository, orderID string) []notification.Notification {
	t.Helper()
	ns, err := repo.ListByOrder(context.Background(), orderID)
	if err != nil {
		t.Fatalf("ListByOrder(%s): %v", orderID, err)
	}
	return ns
}

func stats(t *testing.T, repo notification.Repository) notification.Stats {
	t.Helper()
	s, err := repo.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

func TestNotificationRepository_contract(t *testing.T) {
	for _, r := range repositories {
		t.Run(r.name, func(t *testing.T) {
			t.Run("first delivery stores the notification", func(t *testing.T) {
				repo := r.new(t)
				n := newNotification(t, "ev-1", "order-1", base)
				if store(t, repo, n) {
					t.Fatal("a new event was reported as processed")
				}
				got := list(t, repo, "order-1")
				if len(got) != 1 || got[0] != n {
					t.Fatalf("stored %+v, want [%+v]", got, n)
				}
			})

			t.Run("redelivery sees the event processed and a skip is counted", func(t *testing.T) {
				repo := r.new(t)
				store(t, repo, newNotification(t, "ev-1", "order-1", base))
				var sawProcessed bool
				if err := repo.ProcessEvent(context.Background(), "ev-1", func(processed bool) (*notification.Notification, error) {
					sawProcessed = processed
					return nil, nil
				}); err != nil {
					t.Fatalf("ProcessEvent: %v", err)
				}
				if !sawProcessed {
					t.Fatal("the redelivered event was not reported as processed")
				}
				if got, want := stats(t, repo), (notification.Stats{EventsHandled: 1, DistinctEvents: 1, DuplicatesSkipped: 1}); got != want {
					t.Fatalf("stats = %+v, want %+v", got, want)
				}
			})

			t.Run("a failed decision stores nothing and leaves the event unprocessed", func(t *testing.T) {
				repo := r.new(t)
				errBoom := errors.New("boom")
				err := repo.ProcessEvent(context.Background(), "ev-1", func(bool) (*notification.Notification, error) {
					return nil, errBoom
				})
				if !errors.Is(err, errBoom) {
					t.Fatalf("err = %v, want the decision's error", err)
				}
				if store(t, repo, newNotification(t, "ev-1", "order-1", base)) {
					t.Fatal("the event was marked processed by a rolled-back delivery")
				}
				if got := stats(t, repo); got.EventsHandled != 1 || got.DuplicatesSkipped != 0 {
					t.Fatalf("stats = %+v, want exactly the retried delivery", got)
				}
			})

			t.Run("list returns one order's notifications oldest first", func(t *testing.T) {
				repo := r.new(t)
				late := newNotification(t, "ev-2", "order-1", base.Add(2*time.Minute))
				other := newNotification(t, "ev-3", "order-2", base.Add(time.Minute))
				early := newNotification(t, "ev-1", "order-1", base)
				for _, n := range []notification.Notification{late, other, early} {
					store(t, repo, n)
				}
				got := list(t, repo, "order-1")
				if len(got) != 2 || got[0] != early || got[1] != late {
					t.Fatalf("order-1 = %+v, want [%+v %+v]", got, early, late)
				}
				if got := list(t, repo, "order-unknown"); len(got) != 0 {
					t.Fatalf("unknown order = %+v, want none", got)
				}
			})

			t.Run("stats count events handled more than once", func(t *testing.T) {
				repo := r.new(t)
				store(t, repo, newNotification(t, "ev-1", "order-1", base))
				store(t, repo, newNotification(t, "ev-1", "order-1", base.Add(time.Second)))
				store(t, repo, newNotification(t, "ev-2", "order-1", base.Add(2*time.Second)))
				want := notification.Stats{EventsHandled: 3, DistinctEvents: 2, EventsHandledMoreThanOnce: 1}
				if got := stats(t, repo); got != want {
					t.Fatalf("stats = %+v, want %+v", got, want)
				}
			})

			t.Run("concurrent deliveries of one event store one notification", func(t *testing.T) {
				repo := r.new(t)
				h := app.NewHandleOrderEventHandler(repo)
				e, err := notification.NewEvent("ev-1", notification.OrderCreated, "order-1", base, "")
				if err != nil {
					t.Fatalf("NewEvent: %v", err)
				}
				const deliveries = 8
				var wg sync.WaitGroup
				errs := make(chan error, deliveries)
				for range deliveries {
					wg.Go(func() {
						if _, err := h.Handle(context.Background(), app.HandleOrderEvent{Event: e}); err != nil {
							errs <- err
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Errorf("Handle: %v", err)
				}
				want := notification.Stats{EventsHandled: 1, DistinctEvents: 1, DuplicatesSkipped: deliveries - 1}
				if got := stats(t, repo); got != want {
					t.Fatalf("stats = %+v, want %+v", got, want)
				}
			})

			t.Run("dedupe: the same event delivered twice gives one notification", func(t *testing.T) {
				repo := r.new(t)
				deliverTwice(t, app.NewHandleOrderEventHandler(repo))
				if got := list(t, repo, "order-1"); len(got) != 1 {
					t.Fatalf("%d notifications, want 1: %+v", len(got), got)
				}
			})

			t.Run("duplicate-delivery sabotage: the same event delivered twice gives two notifications", func(t *testing.T) {
				repo := r.new(t)
				deliverTwice(t, app.NewHandleOrderEventHandler(repo, app.WithoutDedupe()))
				got := list(t, repo, "order-1")
				if len(got) != 2 || got[0].EventID != got[1].EventID {
					t.Fatalf("notifications = %+v, want two for the one event", got)
				}
				if s := stats(t, repo); s.EventsHandledMoreThanOnce != 1 {
					t.Fatalf("stats = %+v, want the event counted as handled more than once", s)
				}
			})
		})
	}
}

func deliverTwice(t *testing.T, h app.HandleOrderEventHandler) {
	t.Helper()
	e, err := notification.NewEvent("ev-1", notification.OrderConfirmed, "order-1", base, "")
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	for i := range 2 {
		if _, err := h.Handle(context.Background(), app.HandleOrderEvent{Event: e}); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
}

// A commit that fails must be reported, and must leave nothing behind: the event stays
// unprocessed so its redelivery is handled. A deferred constraint trigger makes PostgreSQL
// refuse the COMMIT itself for one order.
func TestPostgresRepository_failedCommit_isAnErrorAndStoresNothing(t *testing.T) {
	pool := newPool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `
		CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'commit refused for order %', NEW.order_id; END $$;
		CREATE CONSTRAINT TRIGGER refuse_commit AFTER INSERT ON notifications
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
			WHEN (NEW.order_id = 'order-refused') EXECUTE FUNCTION refuse_commit();`); err != nil {
		t.Fatalf("install trigger: %v", err)
	}
	repo := adapters.NewPostgresRepository(pool)
	n := newNotification(t, "ev-1", "order-refused", base)
	err := repo.ProcessEvent(ctx, n.EventID, func(bool) (*notification.Notification, error) { return &n, nil })
	if err == nil {
		t.Fatal("ProcessEvent reported a refused commit as success")
	}
	if got := stats(t, repo); got != (notification.Stats{}) {
		t.Fatalf("stats after a failed commit = %+v, want nothing stored", got)
	}
	var processed bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM processed_events WHERE event_id = 'ev-1')`).Scan(&processed); err != nil {
		t.Fatalf("query processed_events: %v", err)
	}
	if processed {
		t.Fatal("the event was marked processed although its commit failed")
	}
}
