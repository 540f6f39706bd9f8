package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"faultline.dev/shop/platform/pg"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// DB is what the repository needs from a pool (*pgxpool.Pool).
type DB interface {
	pg.Beginner
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// OrderPostgresRepository stores orders, their saga progress and their outbox in
// PostgreSQL. Each write is one transaction holding the order row, its saga steps and
// its events, so a state change is never stored without its event or the other way
// round. Concurrent writers are told apart by the version column (optimistic lock).
type OrderPostgresRepository struct {
	db DB
}

var (
	_ order.Repository = (*OrderPostgresRepository)(nil)
	_ app.OutboxStore  = (*OrderPostgresRepository)(nil)
)

// NewOrderPostgresRepository returns a repository on db (migrated with Migrations).
func NewOrderPostgresRepository(db DB) *OrderPostgresRepository {
	return &OrderPostgresRepository{db: db}
}

// errKeyTaken: the idempotency key belongs to another order (rolls the insert back).
var errKeyTaken = errors.New("idempotency key taken")

func (r *OrderPostgresRepository) Add(ctx context.Context, o *order.Order) (*order.Order, bool, error) {
	s := o.Snapshot()
	err := pg.InTx(ctx, r.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO orders (id, idempotency_key, customer_id, currency, total_cents, status,
			                    cancellation_reason, saga_compensating, saga_failure_reason, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10 + 1, $11, $12)
			ON CONFLICT ON CONSTRAINT orders_idempotency_key_unique DO NOTHING`,
			s.ID, s.IdempotencyKey, s.CustomerID, s.Currency, s.TotalCents, string(s.Status),
			s.CancellationReason, s.Compensating, s.FailureReason, s.Version, s.CreatedAt, s.UpdatedAt)
		if err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errKeyTaken
		}
		for i, l := range s.Lines {
			if _, err := tx.Exec(ctx, `
				INSERT INTO order_lines (order_id, position, sku, quantity, unit_price_cents)
				VALUES ($1, $2, $3, $4, $5)`, s.ID, i, l.SKU, l.Quantity, l.UnitPriceCents); err != nil {
				return fmt.Errorf("insert order line %d: %w", i, err)
			}
		}
		return writeStepsAndEvents(ctx, tx, o)
	})
	if errors.Is(err, errKeyTaken) {
		existing, err := r.GetByIdempotencyKey(ctx, s.IdempotencyKey)
		if err != nil {
			return nil, false, fmt.Errorf("add order: key %q taken, read its order: %w", s.IdempotencyKey, err)
		}
		return existing, false, nil
	}
	if err != nil {
		return nil, false, classify(fmt.Errorf("add order %s: %w", s.ID, err))
	}
	o.MarkStored()
	return o, true, nil
}

func (r *OrderPostgresRepository) Save(ctx context.Context, o *order.Order) error {
	s := o.Snapshot()
	err := pg.InTx(ctx, r.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE orders SET status = $3, cancellation_reason = $4, saga_compensating = $5,
			                  saga_failure_reason = $6, updated_at = $7, version = version + 1
			WHERE id = $1 AND version = $2`,
			s.ID, s.Version, string(s.Status), s.CancellationReason, s.Compensating, s.FailureReason, s.UpdatedAt)
		if err != nil {
			return fmt.Errorf("update order: %w", err)
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)`, s.ID).Scan(&exists); err != nil {
				return fmt.Errorf("check order exists: %w", err)
			}
			if !exists {
				return order.ErrNotFound
			}
			return fmt.Errorf("stored version is not %d: %w", s.Version, order.ErrConcurrentUpdate)
		}
		return writeStepsAndEvents(ctx, tx, o)
	})
	if err != nil {
		return classify(fmt.Errorf("save order %s: %w", s.ID, err))
	}
	o.MarkStored()
	return nil
}

func writeStepsAndEvents(ctx context.Context, tx pgx.Tx, o *order.Order) error {
	for i, st := range o.StepRecords() {
		if _, err := tx.Exec(ctx, `
			INSERT INTO saga_steps (order_id, position, step, state, ref, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (order_id, step) DO UPDATE
			SET state = excluded.state, ref = excluded.ref, updated_at = excluded.updated_at`,
			o.ID(), i, string(st.Step), string(st.State), st.Ref, st.UpdatedAt); err != nil {
			return fmt.Errorf("write saga step %s: %w", st.Step, err)
		}
	}
	for _, e := range o.Events() {
		m := MessageFromEvent(ctx, e)
		if _, err := tx.Exec(ctx, `
			INSERT INTO outbox (event_id, event_type, order_id, payload, headers, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			m.EventID, m.EventType, m.OrderID, string(m.Payload), m.Headers, m.CreatedAt); err != nil {
			return fmt.Errorf("write outbox event %s: %w", e.Type, err)
		}
	}
	return nil
}

// selectOrder reads an order with its lines and steps in one statement, so they come
// from one snapshot of the database.
const selectOrder = `
	SELECT o.id, o.idempotency_key, o.customer_id, o.currency, o.total_cents, o.status,
	       o.cancellation_reason, o.saga_compensating, o.saga_failure_reason, o.version,
	       o.created_at, o.updated_at,
	       (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,
	                                 'unit_price_cents', l.unit_price_cents) ORDER BY l.position), '[]')
	          FROM order_lines l WHERE l.order_id = o.id),
	       (SELECT coalesce(json_agg(json_build_object('step', s.step, 'state', s.state, 'ref', s.ref,
	                                 'updated_at', s.updated_at) ORDER BY s.position), '[]')
	          FROM saga_steps s WHERE s.order_id = o.id)
	FROM orders o `

type lineRow struct {
	SKU            string `json:"sku"`
	Quantity       int32  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

type stepRow struct {
	Step      string    `json:"step"`
	State     string    `json:"state"`
	Ref       string    `json:"ref"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (r *OrderPostgresRepository) getWhere(ctx context.Context, where string, arg string) (*order.Order, error) {
	var (
		s                 order.Snapshot
		status            string
		linesJSON, stepsJ []byte
	)
	err := r.db.QueryRow(ctx, selectOrder+where, arg).Scan(
		&s.ID, &s.IdempotencyKey, &s.CustomerID, &s.Currency, &s.TotalCents, &status,
		&s.CancellationReason, &s.Compensating, &s.FailureReason, &s.Version,
		&s.CreatedAt, &s.UpdatedAt, &linesJSON, &stepsJ)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, order.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("select order: %w", err)
	}
	s.Status = order.Status(status)
	var lines []lineRow
	if err := json.Unmarshal(linesJSON, &lines); err != nil {
		return nil, fmt.Errorf("decode lines of order %s: %w", s.ID, err)
	}
	for _, l := range lines {
		s.Lines = append(s.Lines, order.Line(l))
	}
	var steps []stepRow
	if err := json.Unmarshal(stepsJ, &steps); err != nil {
		return nil, fmt.Errorf("decode saga steps of order %s: %w", s.ID, err)
	}
	for _, st := range steps {
		s.Steps = append(s.Steps, order.StepRecord{
			Step: order.Step(st.Step), State: order.StepState(st.State), Ref: st.Ref, UpdatedAt: st.UpdatedAt,
		})
	}
	return order.FromSnapshot(s)
}

func (r *OrderPostgresRepository) Get(ctx context.Context, id string) (*order.Order, error) {
	o, err := r.getWhere(ctx, "WHERE o.id = $1", id)
	if err != nil {
		return nil, classify(fmt.Errorf("order %s: %w", id, err))
	}
	return o, nil
}

func (r *OrderPostgresRepository) GetByIdempotencyKey(ctx context.Context, key string) (*order.Order, error) {
	o, err := r.getWhere(ctx, "WHERE o.idempotency_key = $1", key)
	if err != nil {
		return nil, classify(fmt.Errorf("order with idempotency key %q: %w", key, err))
	}
	return o, nil
}

func (r *OrderPostgresRepository) ListStalePending(ctx context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := r.db.Query(ctx, `
		SELECT id FROM orders WHERE status = 'PENDING' AND updated_at < $1
		ORDER BY updated_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("list stale pending orders: %w", err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, classify(fmt.Errorf("list stale pending orders: %w", err))
	}
	return ids, nil
}

func (r *OrderPostgresRepository) PendingMessages(ctx context.Context, limit int) ([]app.OutboxMessage, error) {
	rows, err := r.db.Query(ctx, `
		SELECT seq, event_id::text, event_type, order_id, payload::text, headers, created_at
		FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1`, limit)
	if err != nil {
		return nil, classify(fmt.Errorf("read outbox: %w", err))
	}
	msgs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.OutboxMessage, error) {
		var (
			m       app.OutboxMessage
			payload string
		)
		err := row.Scan(&m.Seq, &m.EventID, &m.EventType, &m.OrderID, &payload, &m.Headers, &m.CreatedAt)
		m.Payload = []byte(payload)
		return m, err
	})
	if err != nil {
		return nil, classify(fmt.Errorf("read outbox: %w", err))
	}
	return msgs, nil
}

func (r *OrderPostgresRepository) MarkSent(ctx context.Context, eventIDs []string) error {
	if _, err := r.db.Exec(ctx, `UPDATE outbox SET sent_at = now() WHERE event_id = ANY($1::uuid[])`, eventIDs); err != nil {
		return classify(fmt.Errorf("mark %d outbox messages sent: %w", len(eventIDs), err))
	}
	return nil
}

// classify marks errors that mean the database could not be reached (connection
// refused or lost, server shutting down, out of resources) with
// app.ErrDependencyUnavailable, so callers see an outage, not a bug. Answers of the
// server (constraint violations, bad SQL) and the domain's own errors pass unchanged.
func classify(err error) error {
	if err == nil || errors.Is(err, order.ErrNotFound) || errors.Is(err, order.ErrConcurrentUpdate) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
		default:
			return err
		}
	}
	return fmt.Errorf("%w: postgres: %w", app.ErrDependencyUnavailable, err)
}
