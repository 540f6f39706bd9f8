package adapters_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

var (
	errCommit   = errors.New("commit: connection reset by peer")
	errExec     = errors.New("exec: disk full")
	errRollback = errors.New("rollback: connection reset by peer")
)

// fakeTx answers every statement and fails where told.
type fakeTx struct {
	pgx.Tx                          // nil: any method not overridden panics, so the test sees unexpected calls
	execErr, commitErr, rollbackErr error
	committed, rolledBack           bool
}

func (tx *fakeTx) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.NewCommandTag("UPDATE 1"), tx.execErr
}

func (tx *fakeTx) Commit(context.Context) error {
	tx.committed = true
	return tx.commitErr
}

func (tx *fakeTx) Rollback(context.Context) error {
	tx.rolledBack = true
	return tx.rollbackErr
}

type fakeDB struct {
	adapters.DB // nil: only Begin is expected
	tx          *fakeTx
}

func (db fakeDB) Begin(context.Context) (pgx.Tx, error) { return db.tx, nil }

func storedOrder(t *testing.T) *order.Order {
	t.Helper()
	o := newOrder(t, "o-1", t0)
	o.MarkStored() // as read back from the database at version 1
	if err := o.Cancel("payment declined", t0); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOrderPostgresRepository_failedCommitIsAnError(t *testing.T) {
	tx := &fakeTx{commitErr: errCommit}
	repo := adapters.NewOrderPostgresRepository(fakeDB{tx: tx})
	o := storedOrder(t)
	err := repo.Save(context.Background(), o)
	if !errors.Is(err, errCommit) {
		t.Fatalf("Save = %v, want the commit error", err)
	}
	if !tx.committed {
		t.Error("commit was never attempted")
	}
	// nothing is acknowledged: the order keeps its version and its unsent event
	if o.Version() != 1 || len(o.Events()) != 1 {
		t.Errorf("after a failed commit: version %d, %d events; want 1 and 1", o.Version(), len(o.Events()))
	}
}

func TestOrderPostgresRepository_failedStatementJoinsRollbackError(t *testing.T) {
	tx := &fakeTx{execErr: errExec, rollbackErr: errRollback}
	repo := adapters.NewOrderPostgresRepository(fakeDB{tx: tx})
	err := repo.Save(context.Background(), storedOrder(t))
	if !errors.Is(err, errExec) || !errors.Is(err, errRollback) {
		t.Fatalf("Save = %v, want both the statement and the rollback error", err)
	}
	if tx.committed || !tx.rolledBack {
		t.Errorf("committed %v rolled back %v; want a rollback only", tx.committed, tx.rolledBack)
	}
}

// killingDB hands out real transactions whose connection is terminated by the server
// right before COMMIT, so PostgreSQL itself fails the commit.
type killingDB struct{ *pgxpool.Pool }

type killedTx struct {
	pgx.Tx
	pool *pgxpool.Pool
}

func (db killingDB) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.Pool.Begin(ctx)
	return killedTx{Tx: tx, pool: db.Pool}, err
}

func (tx killedTx) Commit(ctx context.Context) error {
	pid := tx.Conn().PgConn().PID()
	if _, err := tx.pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		return err
	}
	return tx.Tx.Commit(ctx)
}

func TestOrderPostgresRepository_commitKilledByServerStoresNothing(t *testing.T) {
	pool := postgresPool(t)
	ctx := context.Background()
	good := adapters.NewOrderPostgresRepository(pool)
	add(t, good, newOrder(t, "o-1", t0))
	o, err := good.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Cancel("payment declined", t0); err != nil {
		t.Fatal(err)
	}
	if err := adapters.NewOrderPostgresRepository(killingDB{pool}).Save(ctx, o); err == nil {
		t.Fatal("Save reported success although the server killed the commit")
	}
	got, err := good.Get(ctx, "o-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.StatusPending || got.Version() != 1 {
		t.Errorf("stored status %s version %d; the failed commit changed the order", got.Status(), got.Version())
	}
	if msgs, err := good.PendingMessages(ctx, 10); err != nil || len(msgs) != 1 {
		t.Errorf("outbox has %d messages, %v; want only order.created", len(msgs), err)
	}
}

func TestOrderPostgresRepository_unreachableDatabaseIsUnavailable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil { // nothing listens there any more
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), "postgres://orders:secret@"+addr+"/orders?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	repo := adapters.NewOrderPostgresRepository(pool)
	if _, err := repo.Get(context.Background(), "o-1"); !errors.Is(err, app.ErrDependencyUnavailable) {
		t.Errorf("Get with the database down: %v, want ErrDependencyUnavailable", err)
	}
	if err := repo.Save(context.Background(), storedOrder(t)); !errors.Is(err, app.ErrDependencyUnavailable) {
		t.Errorf("Save with the database down: %v, want ErrDependencyUnavailable", err)
	}
	// a server's answer is not an outage
	violation := &pgconn.PgError{Code: "23505"}
	if _, _, err := adapters.NewOrderPostgresRepository(fakeDB{tx: &fakeTx{execErr: violation}}).Add(context.Background(), newOrder(t, "o-2", t0)); err == nil || errors.Is(err, app.ErrDependencyUnavailable) {
		t.Errorf("Add with a constraint violation: %v, want a plain error", err)
	}
}
