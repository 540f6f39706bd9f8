package adapters_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/payments/internal/adapters"
	"faultline.dev/shop/payments/internal/domain/payment"
	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/pg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openPostgres(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	pool, err := pg.Open(ctx, pgtest.NewDatabase(t), adapters.Migrations, adapters.MigrationsDir)
	if err != nil {
		t.Fatalf("pg.Open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func newPayment(t *testing.T, chargeKey, orderID string, amount int64) *payment.Payment {
	t.Helper()
	p, err := payment.NewPayment(uuid.NewString(), chargeKey, orderID, amount, "EUR")
	if err != nil {
		t.Fatalf("NewPayment: %v", err)
	}
	return p
}

func refund(key string) func(p *payment.Payment) error {
	return func(p *payment.Payment) error {
		_, err := p.Refund(key)
		return err
	}
}

// TestPaymentRepository_contract is the one contract every payment.Repository keeps; it
// runs against the in-memory adapter and against PostgreSQL.
func TestPaymentRepository_contract(t *testing.T) {
	adaptersUnderTest := []struct {
		name string
		new  func(t *testing.T) payment.Repository
	}{
		{"memory", func(*testing.T) payment.Repository { return adapters.NewPaymentMemoryRepository() }},
		{"postgres", func(t *testing.T) payment.Repository { return adapters.NewPaymentPostgresRepository(openPostgres(t)) }},
	}
	for _, a := range adaptersUnderTest {
		t.Run(a.name, func(t *testing.T) {
			t.Run("adds a payment once per charge key", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				p := newPayment(t, "charge-1", "order-1", 2500)
				stored, added, err := repo.AddIfAbsent(ctx, p)
				if err != nil || !added || stored.ID() != p.ID() {
					t.Fatalf("AddIfAbsent = %v, %v, %v; want p added", stored, added, err)
				}
				dup := newPayment(t, "charge-1", "order-1", 2500)
				stored, added, err = repo.AddIfAbsent(ctx, dup)
				if err != nil || added || stored.ID() != p.ID() {
					t.Fatalf("AddIfAbsent(same key) = %v, %v, %v; want the first payment, not added", stored, added, err)
				}
				got, err := repo.ByID(ctx, p.ID())
				if err != nil || got.AmountCents() != 2500 || got.ChargeKey() != "charge-1" || got.Status() != payment.StatusCaptured {
					t.Errorf("ByID = %v, %v", got, err)
				}
				if _, err := repo.ByID(ctx, dup.ID()); !errors.Is(err, payment.ErrNotFound) {
					t.Errorf("ByID(duplicate) = %v, want ErrNotFound", err)
				}
			})

			t.Run("concurrent duplicate charges store one payment", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				const n = 16
				var (
					wg    sync.WaitGroup
					mu    sync.Mutex
					added int
					ids   = map[string]bool{}
				)
				for range n {
					wg.Go(func() {
						stored, ok, err := repo.AddIfAbsent(ctx, newPayment(t, "charge-race", "order-1", 900))
						if err != nil {
							t.Errorf("AddIfAbsent: %v", err)
							return
						}
						mu.Lock()
						defer mu.Unlock()
						ids[stored.ID()] = true
						if ok {
							added++
						}
					})
				}
				wg.Wait()
				ledger, err := repo.Ledger(ctx)
				if err != nil {
					t.Fatalf("Ledger: %v", err)
				}
				if added != 1 || len(ids) != 1 || ledger.Charges != 1 || ledger.CapturedCents != 900 {
					t.Errorf("added %d, distinct ids %d, ledger %+v; want exactly one payment of 900", added, len(ids), ledger)
				}
			})

			t.Run("update stores what fn leaves, and nothing when fn fails", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				p := newPayment(t, "charge-1", "order-1", 500)
				if _, _, err := repo.AddIfAbsent(ctx, p); err != nil {
					t.Fatalf("AddIfAbsent: %v", err)
				}
				errBoom := errors.New("boom")
				_, err := repo.Update(ctx, p.ID(), func(p *payment.Payment) error {
					if _, err := p.Refund("refund-1"); err != nil {
						return err
					}
					return errBoom
				})
				if !errors.Is(err, errBoom) {
					t.Fatalf("Update(failing fn) = %v, want errBoom", err)
				}
				if got, err := repo.ByID(ctx, p.ID()); err != nil || got.IsRefunded() {
					t.Fatalf("after failed update: %v, %v; want still captured", got, err)
				}

				updated, err := repo.Update(ctx, p.ID(), refund("refund-1"))
				if err != nil || !updated.IsRefunded() {
					t.Fatalf("Update(refund) = %v, %v", updated, err)
				}
				got, err := repo.ByID(ctx, p.ID())
				if err != nil || !got.IsRefunded() || got.RefundKey() != "refund-1" {
					t.Errorf("ByID after refund = %v, %v", got, err)
				}
				if _, err := repo.Update(ctx, "missing", refund("r")); !errors.Is(err, payment.ErrNotFound) {
					t.Errorf("Update(missing) = %v, want ErrNotFound", err)
				}
			})

			t.Run("a refund key names one payment", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				p1, p2 := newPayment(t, "charge-1", "order-1", 100), newPayment(t, "charge-2", "order-2", 200)
				for _, p := range []*payment.Payment{p1, p2} {
					if _, _, err := repo.AddIfAbsent(ctx, p); err != nil {
						t.Fatalf("AddIfAbsent: %v", err)
					}
				}
				if _, err := repo.Update(ctx, p1.ID(), refund("refund-x")); err != nil {
					t.Fatalf("refund p1: %v", err)
				}
				if _, err := repo.Update(ctx, p2.ID(), refund("refund-x")); !errors.Is(err, payment.ErrIdempotencyKeyReused) {
					t.Errorf("refund p2 with p1's key = %v, want ErrIdempotencyKeyReused", err)
				}
				if got, err := repo.ByID(ctx, p2.ID()); err != nil || got.IsRefunded() {
					t.Errorf("p2 = %v, %v; want still captured", got, err)
				}
			})

			t.Run("concurrent duplicate refunds refund once", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				p := newPayment(t, "charge-1", "order-1", 400)
				if _, _, err := repo.AddIfAbsent(ctx, p); err != nil {
					t.Fatalf("AddIfAbsent: %v", err)
				}
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						if _, err := repo.Update(ctx, p.ID(), refund("refund-race")); err != nil {
							t.Errorf("Update: %v", err)
						}
					})
				}
				wg.Wait()
				ledger, err := repo.Ledger(ctx)
				if err != nil {
					t.Fatalf("Ledger: %v", err)
				}
				want := payment.Ledger{CapturedCents: 400, RefundedCents: 400, Charges: 1, Refunds: 1}
				if ledger != want {
					t.Errorf("ledger = %+v, want %+v", ledger, want)
				}
			})

			t.Run("ledger of an empty repository is zero", func(t *testing.T) {
				ledger, err := a.new(t).Ledger(t.Context())
				if err != nil || ledger != (payment.Ledger{}) {
					t.Errorf("Ledger = %+v, %v; want zero", ledger, err)
				}
			})
		})
	}
}

// failingCommitDB hands out real transactions whose COMMIT fails: the work is rolled
// back and Commit returns errCommitLost, as when the connection dies during COMMIT.
type failingCommitDB struct {
	*pgxpool.Pool
}

var errCommitLost = errors.New("connection lost during commit")

type failingCommitTx struct {
	pgx.Tx
}

func (db failingCommitDB) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return failingCommitTx{tx}, nil
}

func (tx failingCommitTx) Commit(ctx context.Context) error {
	return errors.Join(errCommitLost, tx.Tx.Rollback(ctx))
}

func TestPaymentPostgresRepository_failedCommitIsReportedAsAnError(t *testing.T) {
	pool := openPostgres(t)
	ctx := t.Context()
	p := newPayment(t, "charge-1", "order-1", 1500)
	if _, _, err := adapters.NewPaymentPostgresRepository(pool).AddIfAbsent(ctx, p); err != nil {
		t.Fatalf("AddIfAbsent: %v", err)
	}

	repo := adapters.NewPaymentPostgresRepository(failingCommitDB{pool})
	updated, err := repo.Update(ctx, p.ID(), refund("refund-1"))
	if !errors.Is(err, errCommitLost) || updated != nil {
		t.Fatalf("Update with a failing commit = %v, %v; want errCommitLost and no payment", updated, err)
	}
	got, err := adapters.NewPaymentPostgresRepository(pool).ByID(ctx, p.ID())
	if err != nil || got.IsRefunded() {
		t.Errorf("after the failed commit: %v, %v; want the payment still captured", got, err)
	}
}
