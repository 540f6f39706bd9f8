// Package adapters implements the payments domain's repository for PostgreSQL and in
// memory.
package adapters

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"faultline.dev/shop/payments/internal/domain/payment"
	"faultline.dev/shop/platform/pg"
)

// PostgresDB is what the repository needs of a pool (*pgxpool.Pool satisfies it).
type PostgresDB interface {
	pg.Beginner
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// PaymentPostgresRepository stores payments in the payments table.
type PaymentPostgresRepository struct {
	db PostgresDB
}

// NewPaymentPostgresRepository returns a repository over db.
func NewPaymentPostgresRepository(db PostgresDB) *PaymentPostgresRepository {
	if db == nil {
		panic("adapters: NewPaymentPostgresRepository needs a database")
	}
	return &PaymentPostgresRepository{db: db}
}

var _ payment.Repository = (*PaymentPostgresRepository)(nil)

const paymentColumns = `id, charge_key, order_id, amount_cents, currency, status, coalesce(refund_key, '')`

func scanPayment(row pgx.Row) (*payment.Payment, error) {
	var (
		id, chargeKey, orderID, currency, status, refundKey string
		amount                                              int64
	)
	if err := row.Scan(&id, &chargeKey, &orderID, &amount, &currency, &status, &refundKey); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, payment.ErrNotFound
		}
		return nil, fmt.Errorf("scan payment: %w", err)
	}
	st, err := payment.ParseStatus(status)
	if err != nil {
		return nil, fmt.Errorf("payment %s: %w", id, err)
	}
	return payment.UnmarshalFromDatabase(id, chargeKey, orderID, amount, currency, st, refundKey)
}

// AddIfAbsent inserts p; a concurrent or earlier insert with the same charge key wins and
// is returned instead (INSERT ... ON CONFLICT DO NOTHING waits for it to commit).
func (r *PaymentPostgresRepository) AddIfAbsent(ctx context.Context, p *payment.Payment) (*payment.Payment, bool, error) {
	tag, err := r.db.Exec(ctx, `
		INSERT INTO payments (id, charge_key, order_id, amount_cents, currency, status)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (charge_key) DO NOTHING`,
		p.ID(), p.ChargeKey(), p.OrderID(), p.AmountCents(), p.Currency(), p.Status().String())
	if err != nil {
		return nil, false, fmt.Errorf("insert payment: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return p, true, nil
	}
	stored, err := scanPayment(r.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE charge_key = $1`, p.ChargeKey()))
	if err != nil {
		return nil, false, fmt.Errorf("read payment with charge key %q: %w", p.ChargeKey(), err)
	}
	return stored, false, nil
}

// Update locks the row (SELECT ... FOR UPDATE), runs fn and writes the result in the
// same transaction. A failed commit is an error, never a success.
func (r *PaymentPostgresRepository) Update(ctx context.Context, id string, fn func(p *payment.Payment) error) (updated *payment.Payment, err error) {
	err = pg.InTx(ctx, r.db, func(tx pgx.Tx) error {
		p, err := scanPayment(tx.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		var refundKey *string
		if k := p.RefundKey(); k != "" {
			refundKey = &k
		}
		_, err = tx.Exec(ctx, `
			UPDATE payments
			SET status = $2, refund_key = $3,
			    refunded_at = CASE WHEN $2 = 'refunded' THEN coalesce(refunded_at, now()) END
			WHERE id = $1`,
			id, p.Status().String(), refundKey)
		if pg.IsUniqueViolation(err) {
			return fmt.Errorf("refund key %q: %w", p.RefundKey(), payment.ErrIdempotencyKeyReused)
		}
		if err != nil {
			return fmt.Errorf("update payment: %w", err)
		}
		updated = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return updated, nil
}

// ByID returns the payment with the id.
func (r *PaymentPostgresRepository) ByID(ctx context.Context, id string) (*payment.Payment, error) {
	return scanPayment(r.db.QueryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id))
}

// Ledger totals the payments table in one statement (one snapshot).
func (r *PaymentPostgresRepository) Ledger(ctx context.Context) (payment.Ledger, error) {
	var l payment.Ledger
	err := r.db.QueryRow(ctx, `
		SELECT coalesce(sum(amount_cents), 0),
		       coalesce(sum(amount_cents) FILTER (WHERE status = 'refunded'), 0),
		       count(*),
		       count(*) FILTER (WHERE status = 'refunded')
		FROM payments`).Scan(&l.CapturedCents, &l.RefundedCents, &l.Charges, &l.Refunds)
	if err != nil {
		return payment.Ledger{}, fmt.Errorf("sum ledger: %w", err)
	}
	return l, nil
}
