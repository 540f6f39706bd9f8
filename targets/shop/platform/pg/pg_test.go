package pg_test

import (
	"context"
	"embed"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/pg/pgtest"
)

//go:embed testdata/migrations/*.sql
var migrations embed.FS

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	errCommit   = errors.New("connection reset during commit")
	errRollback = errors.New("connection gone during rollback")
	errWork     = errors.New("insert failed")
)

// fakeTx is a pgx.Tx whose Commit and Rollback fail on demand; the methods InTx does not
// call panic through the embedded nil interface.
type fakeTx struct {
	pgx.Tx
	commitErr, rollbackErr error
	committed, rolledBack  bool
}

func (f *fakeTx) Commit(context.Context) error   { f.committed = true; return f.commitErr }
func (f *fakeTx) Rollback(context.Context) error { f.rolledBack = true; return f.rollbackErr }

type fakeDB struct{ tx *fakeTx }

func (d fakeDB) Begin(context.Context) (pgx.Tx, error) { return d.tx, nil }

func TestInTx_failedCommitIsAnError(t *testing.T) {
	tx := &fakeTx{commitErr: errCommit, rollbackErr: pgx.ErrTxClosed}
	err := pg.InTx(t.Context(), fakeDB{tx}, func(pgx.Tx) error { return nil })
	if !errors.Is(err, errCommit) {
		t.Fatalf("InTx() = %v, want the commit error", err)
	}
	if !tx.committed {
		t.Error("Commit was not called")
	}
}

func TestInTx_workErrorRollsBackAndJoinsRollbackError(t *testing.T) {
	tx := &fakeTx{rollbackErr: errRollback}
	err := pg.InTx(t.Context(), fakeDB{tx}, func(pgx.Tx) error { return errWork })
	if !errors.Is(err, errWork) || !errors.Is(err, errRollback) {
		t.Fatalf("InTx() = %v, want both the work error and the rollback error", err)
	}
	if tx.committed || !tx.rolledBack {
		t.Errorf("committed = %v, rolled back = %v; want only a rollback", tx.committed, tx.rolledBack)
	}
}

func TestInTx_successCommitsWithoutRollback(t *testing.T) {
	tx := &fakeTx{}
	if err := pg.InTx(t.Context(), fakeDB{tx}, func(pgx.Tx) error { return nil }); err != nil {
		t.Fatalf("InTx() = %v", err)
	}
	if !tx.committed || tx.rolledBack {
		t.Errorf("committed = %v, rolled back = %v; want only a commit", tx.committed, tx.rolledBack)
	}
}

func open(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pool, err := pg.Open(ctx, pgtest.NewDatabase(t), migrations, "testdata/migrations")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestInTx_postgresCommitFailureIsAnErrorAndNothingIsStored(t *testing.T) {
	pool := open(t)
	ctx := t.Context()

	err := pg.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO widgets (id, slot) VALUES ('a', 1), ('b', 1)`); err != nil {
			t.Fatalf("deferred constraint fired before commit: %v", err)
		}
		return nil
	})
	if err == nil {
		t.Fatal("InTx() = nil for a transaction whose COMMIT failed")
	}
	if !pg.IsUniqueViolation(err) {
		t.Errorf("InTx() = %v, want the unique violation raised at commit", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM widgets`).Scan(&n); err != nil {
		t.Fatalf("count: %v", err)
	}
	if n != 0 {
		t.Errorf("%d widgets stored after a failed commit, want 0", n)
	}
}

func TestOpen_appliesMigrationsOnceAcrossConcurrentStarts(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	errs := make(chan error, 3)
	for range 3 {
		go func() {
			pool, err := pg.Open(ctx, dsn, migrations, "testdata/migrations")
			if err == nil {
				pool.Close()
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
	}
	pool, err := pg.Open(ctx, dsn, migrations, "testdata/migrations")
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer pool.Close()
	if err := pg.HealthCheck(pool).Fn(ctx); err != nil {
		t.Errorf("health check: %v", err)
	}
	var applied int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 1 AND NOT dirty`).Scan(&applied); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	if applied != 1 {
		t.Errorf("migration 1 recorded %d times, want 1", applied)
	}
}

func TestOpen_unreachableDatabaseFailsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := pg.Open(ctx, "postgres://nobody:x@127.0.0.1:1/none?sslmode=disable&connect_timeout=1", migrations, "testdata/migrations")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Open() = %v, want it to give up with the context", err)
	}
}
