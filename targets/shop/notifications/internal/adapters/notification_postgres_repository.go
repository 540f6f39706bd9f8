package adapters

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/platform/pg"

	"faultline.dev/shop/notifications/internal/domain/notification"
)

// PostgresRepository is the notification.Repository over PostgreSQL (schema in Migrations).
type PostgresRepository struct {
	pool *pgxpool.Pool
}

var _ notification.Repository = (*PostgresRepository)(nil)

// NewPostgresRepository returns the repository over pool. The schema must be migrated.
func NewPostgresRepository(pool *pgxpool.Pool) *PostgresRepository {
	if pool == nil {
		panic("adapters: nil pgx pool")
	}
	return &PostgresRepository{pool: pool}
}

// ProcessEvent implements notification.Repository. The insert into processed_events and the
// notification commit together (a failed commit is an error, never a silent success); a
// concurrent delivery of the same event waits on the row lock of the first and then sees
// it as processed.
func (r *PostgresRepository) ProcessEvent(ctx context.Context, eventID string, decide notification.DecideFunc) error {
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING`, eventID)
		if err != nil {
			return fmt.Errorf("mark processed: %w", err)
		}
		alreadyProcessed := tag.RowsAffected() == 0

		n, err := decide(alreadyProcessed)
		if err != nil {
			return err
		}
		switch {
		case n != nil:
			if _, err := tx.Exec(ctx,
				`INSERT INTO notifications (id, order_id, event_id, event_type, message, created_at)
				 VALUES ($1, $2, $3, $4, $5, $6)`,
				n.ID, n.OrderID, n.EventID, string(n.EventType), n.Message, n.CreatedAt); err != nil {
				return fmt.Errorf("insert notification: %w", err)
			}
		case alreadyProcessed:
			if _, err := tx.Exec(ctx,
				`UPDATE consumer_stats SET duplicates_skipped = duplicates_skipped + 1 WHERE id = 1`); err != nil {
				return fmt.Errorf("count duplicate: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("process event %s: %w", eventID, err)
	}
	return nil
}

// ListByOrder implements notification.Repository.
func (r *PostgresRepository) ListByOrder(ctx context.Context, orderID string) ([]notification.Notification, error) {
	rows, err := r.pool.Query(ctx,
		`SELECT id::text, order_id, event_id, event_type, message, created_at
		   FROM notifications WHERE order_id = $1 ORDER BY created_at, id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("list notifications of order %s: %w", orderID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (notification.Notification, error) {
		var n notification.Notification
		var typ string
		if err := row.Scan(&n.ID, &n.OrderID, &n.EventID, &typ, &n.Message, &n.CreatedAt); err != nil {
			return notification.Notification{}, err
		}
		n.EventType = notification.EventType(typ)
		n.CreatedAt = n.CreatedAt.UTC()
		return n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list notifications of order %s: scan: %w", orderID, err)
	}
	return out, nil
}

// Stats implements notification.Repository.
func (r *PostgresRepository) Stats(ctx context.Context) (notification.Stats, error) {
	var s notification.Stats
	err := r.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM notifications),
		       (SELECT count(DISTINCT event_id) FROM notifications),
		       (SELECT duplicates_skipped FROM consumer_stats WHERE id = 1),
		       (SELECT count(*) FROM (SELECT 1 FROM notifications GROUP BY event_id HAVING count(*) > 1) AS twice)`).
		Scan(&s.EventsHandled, &s.DistinctEvents, &s.DuplicatesSkipped, &s.EventsHandledMoreThanOnce)
	if err != nil {
		return notification.Stats{}, fmt.Errorf("notification stats: %w", err)
	}
	return s, nil
}
