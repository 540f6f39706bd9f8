// Package pg opens a service's PostgreSQL pool (pgx v5), applies its embedded migrations
// (golang-migrate v4: NNNNN_name.up.sql and NNNNN_name.down.sql files) at start, and runs
// transactions that never report a failed commit as success.
package pg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"faultline.dev/shop/platform/health"
)

// Open connects a pool to dsn, waiting (with backoff) until the database answers or ctx
// ends, then applies the migrations found in dir of migrations (an embed.FS). Concurrent
// starts of the same service are serialised by a PostgreSQL advisory lock.
func Open(ctx context.Context, dsn string, migrations fs.FS, dir string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("pg: parse DATABASE_URL: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pg: create pool: %w", err)
	}
	if err := waitForDatabase(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if err := Migrate(ctx, pool, migrations, dir); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func waitForDatabase(ctx context.Context, pool *pgxpool.Pool) error {
	delay := 100 * time.Millisecond
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := pool.Ping(pingCtx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pg: database did not answer: %w", errors.Join(err, ctx.Err()))
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// Migrate applies every pending migration in dir of migrations (golang-migrate's
// NNNNN_name.up.sql files; the .down.sql files are never run by a service). The version is
// kept in schema_migrations; a PostgreSQL advisory lock serialises concurrent starts.
//
// golang-migrate takes no context, so the migrations run on a connection of their own
// whose statement_timeout (which also bounds the wait for the lock) is what is left of
// ctx's deadline, and ctx ending stops them between two migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS, dir string) (err error) {
	src, err := iofs.New(migrations, dir)
	if err != nil {
		return fmt.Errorf("pg: migrations dir %q: %w", dir, err)
	}
	connConfig := pool.Config().ConnConfig.Copy()
	if deadline, ok := ctx.Deadline(); ok {
		budget := time.Until(deadline).Milliseconds()
		if budget <= 0 {
			return errors.Join(fmt.Errorf("pg: apply migrations: %w", context.DeadlineExceeded), src.Close())
		}
		connConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(budget)
	}
	db := stdlib.OpenDB(*connConfig)
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		return errors.Join(fmt.Errorf("pg: migration driver: %w", err), src.Close(), db.Close())
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		return errors.Join(fmt.Errorf("pg: load migrations: %w", err), src.Close(), driver.Close())
	}
	defer func() {
		// Closes the source, the connection and db.
		srcErr, dbErr := m.Close()
		if srcErr != nil || dbErr != nil {
			err = errors.Join(err, fmt.Errorf("pg: close migrations: %w", errors.Join(srcErr, dbErr)))
		}
	}()

	done := make(chan error, 1)
	go func() { done <- m.Up() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		m.GracefulStop <- true // taken between two migrations
		err = errors.Join(ctx.Err(), <-done)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("pg: apply migrations: %w", err)
	}
	if version, dirty, vErr := m.Version(); vErr == nil {
		slog.DebugContext(ctx, "migrations applied", slog.Uint64("version", uint64(version)), slog.Bool("dirty", dirty))
	}
	return nil
}

// HealthCheck is the readiness check of a pool: the database answers a ping.
func HealthCheck(pool *pgxpool.Pool) health.Check {
	return health.Check{Name: "postgres", Fn: func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("ping: %w", err)
		}
		return nil
	}}
}

// Beginner starts transactions; *pgxpool.Pool and pgx.Conn are Beginners.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in a transaction and commits it. If fn fails, the transaction is rolled
// back and a rollback failure is joined to fn's error. If the commit fails, that is the
// error: a failed commit is never reported as success.
func InTx(ctx context.Context, db Beginner, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err == nil {
			return
		}
		// Roll back even when ctx was cancelled; a closed transaction (after a failed
		// commit) has nothing left to roll back.
		rbErr := tx.Rollback(context.WithoutCancel(ctx))
		if rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// UniqueViolation is the SQLSTATE of a unique constraint violation.
const UniqueViolation = "23505"

// IsUniqueViolation reports whether err is a unique constraint violation.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == UniqueViolation
}

// Compile-time checks that the pool and a connection can start transactions for InTx.
var (
	_ Beginner = (*pgxpool.Pool)(nil)
	_ Beginner = (*pgx.Conn)(nil)
	_ Beginner = pgx.Tx(nil) // nested: a savepoint
)
