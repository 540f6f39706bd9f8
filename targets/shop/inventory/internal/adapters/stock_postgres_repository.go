// Package adapters implements the inventory domain's repository for PostgreSQL and in
// memory.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"faultline.dev/shop/inventory/internal/domain/stock"
	"faultline.dev/shop/platform/pg"
)

// PostgresDB is what the repository needs of a pool (*pgxpool.Pool satisfies it).
type PostgresDB interface {
	pg.Beginner
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// StockPostgresRepository stores products and reservations in PostgreSQL.
type StockPostgresRepository struct {
	db PostgresDB
}

// NewStockPostgresRepository returns a repository over db.
func NewStockPostgresRepository(db PostgresDB) *StockPostgresRepository {
	if db == nil {
		panic("adapters: NewStockPostgresRepository needs a database")
	}
	return &StockPostgresRepository{db: db}
}

var _ stock.Repository = (*StockPostgresRepository)(nil)

// reservationLockClass namespaces this service's advisory locks (pg_advisory_xact_lock(class, key)).
const reservationLockClass = 0x1e5e

const productColumns = `sku, name, price_cents, currency, initial, available, reserved`

func scanProduct(row pgx.Row) (*stock.Product, error) {
	var (
		sku, name, currency          string
		price                        int64
		initial, available, reserved int32
	)
	if err := row.Scan(&sku, &name, &price, &currency, &initial, &available, &reserved); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, stock.ErrProductNotFound
		}
		return nil, fmt.Errorf("scan product: %w", err)
	}
	return stock.UnmarshalProductFromDatabase(sku, name, price, currency, initial, available, reserved)
}

func collectProducts(rows pgx.Rows, err error) ([]*stock.Product, error) {
	if err != nil {
		return nil, fmt.Errorf("query products: %w", err)
	}
	products, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*stock.Product, error) {
		return scanProduct(row)
	})
	if err != nil {
		return nil, fmt.Errorf("read products: %w", err)
	}
	return products, nil
}

// AddProducts inserts products; SKUs already stored keep their stock (ON CONFLICT DO NOTHING).
func (r *StockPostgresRepository) AddProducts(ctx context.Context, products ...*stock.Product) error {
	return pg.InTx(ctx, r.db, func(tx pgx.Tx) error {
		for _, p := range products {
			_, err := tx.Exec(ctx, `
				INSERT INTO products (`+productColumns+`)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (sku) DO NOTHING`,
				p.SKU(), p.Name(), p.PriceCents(), p.Currency(), p.Initial(), p.Available(), p.Reserved())
			if err != nil {
				return fmt.Errorf("insert product %s: %w", p.SKU(), err)
			}
		}
		return nil
	})
}

// Product returns one product.
// RestockAll puts every product's stock back to its initial figure. It is the
// restart-restocks sabotage only (the bug it names: a restart undoes every sale and
// reservation while available + reserved = initial still holds), never a use case.
func (r *StockPostgresRepository) RestockAll(ctx context.Context) error {
	if _, err := r.db.Exec(ctx, `UPDATE products SET available = initial, reserved = 0`); err != nil {
		return fmt.Errorf("restock products: %w", err)
	}
	return nil
}

func (r *StockPostgresRepository) Product(ctx context.Context, sku string) (*stock.Product, error) {
	return scanProduct(r.db.QueryRow(ctx, `SELECT `+productColumns+` FROM products WHERE sku = $1`, sku))
}

// Products returns every product ordered by SKU.
func (r *StockPostgresRepository) Products(ctx context.Context) ([]*stock.Product, error) {
	return collectProducts(r.db.Query(ctx, `SELECT `+productColumns+` FROM products ORDER BY sku`))
}

// UpdateReservation serialises calls for one reservation ID with a transaction-scoped
// advisory lock, locks the product rows in SKU order (so concurrent reservations cannot
// deadlock or oversell), runs fn and writes its result in the same transaction.
func (r *StockPostgresRepository) UpdateReservation(ctx context.Context, id string, skus []string,
	fn func(current *stock.Reservation, products map[string]*stock.Product) (*stock.Reservation, error),
) error {
	return pg.InTx(ctx, r.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, reservationLockClass, id); err != nil {
			return fmt.Errorf("lock reservation %s: %w", id, err)
		}
		current, err := loadReservation(ctx, tx, id)
		if err != nil {
			return err
		}
		want := map[string]bool{}
		for _, sku := range skus {
			want[sku] = true
		}
		if current != nil {
			for _, l := range current.Lines() {
				want[l.SKU] = true
			}
		}
		products := map[string]*stock.Product{}
		if len(want) > 0 {
			locked, err := collectProducts(tx.Query(ctx,
				`SELECT `+productColumns+` FROM products WHERE sku = ANY($1) ORDER BY sku FOR UPDATE`,
				slices.Sorted(maps.Keys(want))))
			if err != nil {
				return err
			}
			for _, p := range locked {
				products[p.SKU()] = p
			}
		}

		next, err := fn(current, products)
		if err != nil {
			return err
		}
		if next == current {
			return nil // a repeat: nothing changed
		}
		for _, p := range products {
			if _, err := tx.Exec(ctx, `UPDATE products SET available = $2, reserved = $3 WHERE sku = $1`,
				p.SKU(), p.Available(), p.Reserved()); err != nil {
				return fmt.Errorf("update product %s: %w", p.SKU(), err)
			}
		}
		status := "reserved"
		if next.IsReleased() {
			status = "released"
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO reservations (id, status) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`, id, status); err != nil {
			return fmt.Errorf("store reservation %s: %w", id, err)
		}
		if current == nil {
			for _, l := range next.Lines() {
				if _, err := tx.Exec(ctx, `INSERT INTO reservation_lines (reservation_id, sku, quantity) VALUES ($1, $2, $3)`,
					id, l.SKU, l.Quantity); err != nil {
					return fmt.Errorf("store reservation %s line %s: %w", id, l.SKU, err)
				}
			}
		}
		return nil
	})
}

func loadReservation(ctx context.Context, tx pgx.Tx, id string) (*stock.Reservation, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM reservations WHERE id = $1`, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reservation %s: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT sku, quantity FROM reservation_lines WHERE reservation_id = $1 ORDER BY sku`, id)
	if err != nil {
		return nil, fmt.Errorf("read reservation %s lines: %w", id, err)
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (stock.Line, error) {
		var l stock.Line
		err := row.Scan(&l.SKU, &l.Quantity)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read reservation %s lines: %w", id, err)
	}
	return stock.UnmarshalReservationFromDatabase(id, lines, status == "released")
}
