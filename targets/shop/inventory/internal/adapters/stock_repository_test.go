package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/inventory/internal/adapters"
	"faultline.dev/shop/inventory/internal/domain/stock"
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

func product(t *testing.T, sku string, initial int32) *stock.Product {
	t.Helper()
	p, err := stock.NewProduct(sku, "Product "+sku, 1000, "EUR", initial)
	if err != nil {
		t.Fatalf("NewProduct: %v", err)
	}
	return p
}

func seed(t *testing.T, repo stock.Repository, products ...*stock.Product) {
	t.Helper()
	if err := repo.AddProducts(t.Context(), products...); err != nil {
		t.Fatalf("AddProducts: %v", err)
	}
}

func reserve(repo stock.Repository, ctx context.Context, id string, lines ...stock.Line) error {
	return repo.UpdateReservation(ctx, id, stock.SKUs(lines), func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error) {
		return stock.Reserve(current, id, lines, products)
	})
}

func release(repo stock.Repository, ctx context.Context, id string) (released bool, err error) {
	err = repo.UpdateReservation(ctx, id, nil, func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error) {
		r, ok, err := stock.Release(current, id, products)
		released = ok
		return r, err
	})
	return released, err
}

func stockOf(t *testing.T, repo stock.Repository, sku string) (available, reserved int32) {
	t.Helper()
	p, err := repo.Product(t.Context(), sku)
	if err != nil {
		t.Fatalf("Product(%s): %v", sku, err)
	}
	if p.Available()+p.Reserved() != p.Initial() {
		t.Fatalf("%s not conserved: %d + %d != %d", sku, p.Available(), p.Reserved(), p.Initial())
	}
	return p.Available(), p.Reserved()
}

// TestStockRepository_contract is the one contract every stock.Repository keeps; it runs
// against the in-memory adapter and against PostgreSQL.
func TestStockRepository_contract(t *testing.T) {
	adaptersUnderTest := []struct {
		name string
		new  func(t *testing.T) stock.Repository
	}{
		{"memory", func(*testing.T) stock.Repository { return adapters.NewStockMemoryRepository() }},
		{"postgres", func(t *testing.T) stock.Repository { return adapters.NewStockPostgresRepository(openPostgres(t)) }},
	}
	for _, a := range adaptersUnderTest {
		t.Run(a.name, func(t *testing.T) {
			t.Run("seeding keeps stored stock and lists by SKU", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-2", 5), product(t, "SKU-1", 10))
				if err := reserve(repo, ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 3}); err != nil {
					t.Fatalf("reserve: %v", err)
				}
				seed(t, repo, product(t, "SKU-1", 10), product(t, "SKU-3", 1))
				products, err := repo.Products(ctx)
				if err != nil {
					t.Fatalf("Products: %v", err)
				}
				var skus []string
				for _, p := range products {
					skus = append(skus, p.SKU())
				}
				if fmt.Sprint(skus) != "[SKU-1 SKU-2 SKU-3]" {
					t.Errorf("Products = %v, want sorted SKU-1..3", skus)
				}
				if av, res := stockOf(t, repo, "SKU-1"); av != 7 || res != 3 {
					t.Errorf("SKU-1 after reseeding: available %d reserved %d, want 7 and 3", av, res)
				}
				if _, err := repo.Product(ctx, "SKU-404"); !errors.Is(err, stock.ErrProductNotFound) {
					t.Errorf("Product(unknown) = %v, want ErrProductNotFound", err)
				}
			})

			t.Run("a failed update stores nothing", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-1", 10), product(t, "SKU-2", 1))
				err := reserve(repo, ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 2}, stock.Line{SKU: "SKU-2", Quantity: 2})
				if !errors.Is(err, stock.ErrInsufficientStock) {
					t.Fatalf("reserve = %v, want ErrInsufficientStock", err)
				}
				if av, _ := stockOf(t, repo, "SKU-1"); av != 10 {
					t.Errorf("SKU-1 available %d after a failed reservation, want 10", av)
				}
				// The ID was not used: it can reserve what is there.
				if err := reserve(repo, ctx, "order-1", stock.Line{SKU: "SKU-2", Quantity: 1}); err != nil {
					t.Errorf("reserve after a failed attempt: %v", err)
				}
			})

			t.Run("reserve and release are idempotent and conserve stock", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-1", 10))
				for range 3 {
					if err := reserve(repo, ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 4}); err != nil {
						t.Fatalf("reserve: %v", err)
					}
				}
				if av, res := stockOf(t, repo, "SKU-1"); av != 6 || res != 4 {
					t.Errorf("after repeated reserve: available %d reserved %d, want 6 and 4", av, res)
				}
				ok, err := release(repo, ctx, "order-1")
				if err != nil || !ok {
					t.Fatalf("release = %v, %v", ok, err)
				}
				ok, err = release(repo, ctx, "order-1")
				if err != nil || ok {
					t.Errorf("second release = %v, %v; want nothing released", ok, err)
				}
				if av, res := stockOf(t, repo, "SKU-1"); av != 10 || res != 0 {
					t.Errorf("after release: available %d reserved %d, want 10 and 0", av, res)
				}
				if err := reserve(repo, ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 4}); !errors.Is(err, stock.ErrReservationReleased) {
					t.Errorf("reserve after release = %v, want ErrReservationReleased", err)
				}
			})

			t.Run("release before reserve refuses the late reserve", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-1", 10))
				ok, err := release(repo, ctx, "order-late")
				if err != nil || ok {
					t.Fatalf("release(never reserved) = %v, %v; want nothing released", ok, err)
				}
				if err := reserve(repo, ctx, "order-late", stock.Line{SKU: "SKU-1", Quantity: 1}); !errors.Is(err, stock.ErrReservationReleased) {
					t.Errorf("late reserve = %v, want ErrReservationReleased", err)
				}
				if _, res := stockOf(t, repo, "SKU-1"); res != 0 {
					t.Errorf("reserved %d after a compensated order, want 0", res)
				}
			})

			t.Run("concurrent reservations never oversell", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-1", 10), product(t, "SKU-2", 100))
				var ok, short atomic.Int32
				var wg sync.WaitGroup
				for i := range 25 {
					wg.Go(func() {
						// Lines in both orders: lock ordering must prevent deadlocks.
						lines := []stock.Line{{SKU: "SKU-1", Quantity: 1}, {SKU: "SKU-2", Quantity: 1}}
						if i%2 == 1 {
							lines[0], lines[1] = lines[1], lines[0]
						}
						switch err := reserve(repo, ctx, fmt.Sprintf("order-%d", i), lines...); {
						case err == nil:
							ok.Add(1)
						case errors.Is(err, stock.ErrInsufficientStock):
							short.Add(1)
						default:
							t.Errorf("reserve: %v", err)
						}
					})
				}
				wg.Wait()
				if ok.Load() != 10 || short.Load() != 15 {
					t.Errorf("%d reserved, %d short; want 10 and 15", ok.Load(), short.Load())
				}
				if av, res := stockOf(t, repo, "SKU-1"); av != 0 || res != 10 {
					t.Errorf("SKU-1 available %d reserved %d, want 0 and 10", av, res)
				}
				if av, res := stockOf(t, repo, "SKU-2"); av != 90 || res != 10 {
					t.Errorf("SKU-2 available %d reserved %d, want 90 and 10 (all or nothing)", av, res)
				}
			})

			t.Run("concurrent duplicates of one reservation reserve once", func(t *testing.T) {
				repo := a.new(t)
				ctx := t.Context()
				seed(t, repo, product(t, "SKU-1", 100))
				var wg sync.WaitGroup
				for range 12 {
					wg.Go(func() {
						if err := reserve(repo, ctx, "order-dup", stock.Line{SKU: "SKU-1", Quantity: 5}); err != nil {
							t.Errorf("reserve: %v", err)
						}
					})
				}
				wg.Wait()
				if _, res := stockOf(t, repo, "SKU-1"); res != 5 {
					t.Errorf("reserved %d, want 5", res)
				}
				var released atomic.Int32
				for range 12 {
					wg.Go(func() {
						ok, err := release(repo, ctx, "order-dup")
						if err != nil {
							t.Errorf("release: %v", err)
						}
						if ok {
							released.Add(1)
						}
					})
				}
				wg.Wait()
				if released.Load() != 1 {
					t.Errorf("%d releases reported released, want exactly 1", released.Load())
				}
				if av, res := stockOf(t, repo, "SKU-1"); av != 100 || res != 0 {
					t.Errorf("after releases: available %d reserved %d, want 100 and 0", av, res)
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

func TestStockPostgresRepository_failedCommitIsReportedAsAnError(t *testing.T) {
	pool := openPostgres(t)
	ctx := t.Context()
	good := adapters.NewStockPostgresRepository(pool)
	seed(t, good, product(t, "SKU-1", 10))

	err := reserve(adapters.NewStockPostgresRepository(failingCommitDB{pool}), ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 3})
	if !errors.Is(err, errCommitLost) {
		t.Fatalf("reserve with a failing commit = %v, want errCommitLost", err)
	}
	if av, res := stockOf(t, good, "SKU-1"); av != 10 || res != 0 {
		t.Errorf("after the failed commit: available %d reserved %d, want 10 and 0", av, res)
	}
	if err := reserve(good, ctx, "order-1", stock.Line{SKU: "SKU-1", Quantity: 3}); err != nil {
		t.Errorf("retry after the failed commit: %v", err)
	}
}
