package adapters_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/pg/pgtest"

	"faultline.dev/shop/orders/internal/adapters"
)

// PostgresImage is the project's PostgreSQL image (CONVENTIONS.md), built locally.
const PostgresImage = "faultline/postgres:15"

var shared struct {
	once      sync.Once
	container testcontainers.Container
	pool      *pgxpool.Pool
	skip      string
	err       error
}

func TestMain(m *testing.M) {
	// No Ryuk: nothing is pulled on this network; TestMain terminates the container.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		if err := os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true"); err != nil {
			fmt.Fprintln(os.Stderr, "set TESTCONTAINERS_RYUK_DISABLED:", err)
			os.Exit(2)
		}
	}
	// testcontainers guesses that a test running inside a container reaches published
	// ports through the container's default gateway. When the Docker daemon runs in this
	// very network namespace (its docker0 bridge is here), they are on localhost instead.
	if _, set := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !set {
		if _, err := net.InterfaceByName("docker0"); err == nil {
			if err := os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost"); err != nil {
				fmt.Fprintln(os.Stderr, "set TESTCONTAINERS_HOST_OVERRIDE:", err)
				os.Exit(2)
			}
		}
	}
	code := m.Run()
	if shared.pool != nil {
		shared.pool.Close()
	}
	if shared.container != nil {
		if err := testcontainers.TerminateContainer(shared.container); err != nil {
			fmt.Fprintln(os.Stderr, "terminate postgres container:", err)
			code = max(code, 1)
		}
	}
	os.Exit(code)
}

// postgresPool returns a pool on a migrated orders database in a container shared by
// the package's tests, with the tables emptied. When Docker is not reachable it fails the
// test in CI and skips it elsewhere; any other problem (a missing image included) fails it.
func postgresPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the PostgreSQL container")
	}
	shared.once.Do(startPostgres)
	if shared.skip != "" {
		pgtest.DockerUnavailable(t, shared.skip)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx := context.Background()
	if _, err := shared.pool.Exec(ctx, `TRUNCATE orders, order_lines, saga_steps, outbox RESTART IDENTITY`); err != nil {
		t.Fatalf("empty tables: %v", err)
	}
	return shared.pool
}

func startPostgres() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if reason := dockerUnreachable(); reason != "" {
		shared.skip = reason
		return
	}
	c, err := testcontainers.Run(ctx, PostgresImage,
		testcontainers.WithEnv(map[string]string{
			"POSTGRES_PASSWORD": "postgres",
			"PG_DATABASES":      "orders:secret",
		}),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithWaitStrategy(
			wait.ForLog("database system is ready to accept connections").WithOccurrence(1).WithStartupTimeout(90*time.Second),
			wait.ForListeningPort("5432/tcp").WithStartupTimeout(30*time.Second),
		),
	)
	if c != nil {
		shared.container = c
	}
	if err != nil {
		shared.err = fmt.Errorf("start %s (build it with the image pipeline if it is missing): %w", PostgresImage, err)
		return
	}
	host, err := c.Host(ctx)
	if err != nil {
		shared.err = fmt.Errorf("postgres container host: %w", err)
		return
	}
	port, err := c.MappedPort(ctx, "5432/tcp")
	if err != nil {
		shared.err = fmt.Errorf("postgres container port: %w", err)
		return
	}
	dsn := fmt.Sprintf("postgres://orders:secret@%s:%s/orders?sslmode=disable", host, port.Port())
	shared.pool, shared.err = pg.Open(ctx, dsn, adapters.Migrations, adapters.MigrationsDir)
}

var docker struct {
	once   sync.Once
	reason string
}

// dockerUnreachable says why container tests must be skipped, or "" when Docker answers.
func dockerUnreachable() string {
	docker.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		provider, err := testcontainers.NewDockerProvider()
		if err == nil {
			defer func() {
				if err := provider.Close(); err != nil {
					fmt.Fprintln(os.Stderr, "close docker provider:", err)
				}
			}()
			err = provider.Health(ctx)
		}
		if err != nil {
			docker.reason = fmt.Sprintf("Docker is not reachable for the container tests: %v", err)
		}
	})
	return docker.reason
}
