// Package pgtest runs the project's PostgreSQL image (faultline/postgres:15) for tests
// through testcontainers-go with Ryuk disabled. One container serves a whole test
// binary; every test gets a fresh database of its own.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.NewDatabase(t) // Docker not reachable: fails in CI, skips (saying why) elsewhere
//		...
//	}
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Image is the PostgreSQL image every Go test uses; it is built by faultline's image
// pipeline (`faultline images build`), never pulled.
const Image = "faultline/postgres:15"

const (
	superPassword = "postgres-test"
	// owner owns every test database, so migrations run as a normal user, as in production.
	owner         = "shop"
	ownerPassword = "secret"
	readyLog      = "database system is ready to accept connections"
	startTimeout  = 90 * time.Second
)

// ErrDockerUnreachable is returned by Start when there is no Docker engine to talk to.
var ErrDockerUnreachable = errors.New("docker is not reachable")

// Server is a running PostgreSQL container.
type Server struct {
	container testcontainers.Container
	host      string
	port      string
	next      atomic.Int64
}

// Start runs the image and waits until PostgreSQL accepts connections.
func Start(ctx context.Context) (*Server, error) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		if err := os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true"); err != nil {
			return nil, fmt.Errorf("pgtest: disable ryuk: %w", err)
		}
	}
	if err := dockerReachable(ctx); err != nil {
		return nil, err
	}
	c, err := testcontainers.Run(ctx, Image,
		testcontainers.WithEnv(map[string]string{
			"POSTGRES_PASSWORD": superPassword,
			"PG_DATABASES":      owner + ":" + ownerPassword,
		}),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithLabels(map[string]string{"dev.faultline.test": "go"}),
		// The log line alone: the image has no tool for testcontainers' in-container port
		// check. waitForOwner then connects from the host until the login works.
		testcontainers.WithWaitStrategyAndDeadline(startTimeout, wait.ForLog(readyLog).WithOccurrence(1)),
	)
	if err != nil {
		if c != nil {
			err = errors.Join(err, testcontainers.TerminateContainer(c))
		}
		return nil, fmt.Errorf("pgtest: start %s (build it with `faultline images build` if it is missing): %w", Image, err)
	}
	s := &Server{container: c}
	if s.host, err = c.Host(ctx); err == nil {
		var p interface{ Port() string }
		p, err = c.MappedPort(ctx, "5432/tcp")
		if err == nil {
			s.port = p.Port()
		}
	}
	if err == nil {
		s.host, err = reachableHost(ctx, s.port, s.host, "127.0.0.1")
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pgtest: container address: %w", err), s.Close(context.Background()))
	}
	if err := s.waitForOwner(ctx); err != nil {
		return nil, errors.Join(err, s.Close(context.Background()))
	}
	return s, nil
}

func dockerReachable(ctx context.Context) (err error) {
	defer func() {
		// testcontainers panics on some hosts without a Docker socket.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDockerUnreachable, r)
		}
	}()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDockerUnreachable, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := provider.Health(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrDockerUnreachable, err)
	}
	return nil
}

// reachableHost returns the first candidate whose mapped port accepts TCP. testcontainers
// takes the default gateway for the Docker host whenever it runs inside a container
// (/.dockerenv), which is wrong when the engine runs in that same container and publishes
// on its loopback; TESTCONTAINERS_HOST_OVERRIDE, when set, is trusted as it is.
func reachableHost(ctx context.Context, port string, candidates ...string) (string, error) {
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") != "" {
		return candidates[0], nil
	}
	var errs []error
	for _, host := range candidates {
		d := net.Dialer{Timeout: 2 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
		if err == nil {
			return host, conn.Close()
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("no address reaches the container's port %s: %w", port, errors.Join(errs...))
}

// waitForOwner waits until the init scripts created the owner role (the ready log line
// can come before the mapped port answers).
func (s *Server) waitForOwner(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, s.dsn(owner, ownerPassword, owner))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgtest: %s never accepted user %q: %w", Image, owner, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *Server) dsn(user, password, database string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, net.JoinHostPort(s.host, s.port), database)
}

// NewDatabase creates an empty database owned by a normal user and returns its DSN.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("test_%d", s.next.Add(1))
	conn, err := pgx.Connect(ctx, s.dsn("postgres", superPassword, "postgres"))
	if err != nil {
		return "", fmt.Errorf("pgtest: connect as superuser: %w", err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER "+pgx.Identifier{owner}.Sanitize())
	if closeErr := conn.Close(ctx); closeErr != nil {
		err = errors.Join(err, closeErr)
	}
	if err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.dsn(owner, ownerPassword, name), nil
}

// SuperuserDSN connects to database as the superuser (to break things on purpose, for
// example terminating a service's connections).
func (s *Server) SuperuserDSN(database string) string {
	return s.dsn("postgres", superPassword, database)
}

// Close removes the container.
func (s *Server) Close(ctx context.Context) error {
	if err := s.container.Terminate(ctx); err != nil {
		return fmt.Errorf("pgtest: remove container: %w", err)
	}
	return nil
}

var shared struct {
	sync.Mutex
	main   bool
	server *Server
	err    error
}

// Main runs the test binary's tests and removes the shared container afterwards. Call it
// from TestMain of every package that uses NewDatabase.
func Main(m *testing.M) {
	shared.Lock()
	shared.main = true
	shared.Unlock()

	code := m.Run()

	shared.Lock()
	if shared.server != nil {
		if err := shared.server.Close(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	shared.Unlock()
	os.Exit(code)
}

// InCI reports whether the tests run in CI: CI is set to anything but "", "0" or "false".
func InCI() bool {
	v := strings.ToLower(strings.TrimSpace(os.Getenv("CI")))
	return v != "" && v != "0" && v != "false"
}

// DockerUnavailable ends a test that needs Docker when Docker is not reachable. In CI it
// fails the test: a skip there would let a build pass that never ran its database tests.
// Elsewhere (a laptop without Docker) it skips, saying why.
func DockerUnavailable(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("FAILED: %s (CI=%s: in CI a test that needs Docker fails when Docker is not reachable; start Docker, e.g. `npm run setup`)", reason, os.Getenv("CI"))
		return
	}
	t.Skipf("SKIPPED: %s", reason)
}

// SharedServer returns the binary's container, starting it on first use. When Docker is
// not reachable it fails the test in CI and skips it elsewhere (DockerUnavailable); any
// other problem fails it.
func SharedServer(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.main {
		t.Fatal("pgtest: call pgtest.Main(m) from TestMain so the container is removed")
	}
	if shared.server == nil && shared.err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout+30*time.Second)
		defer cancel()
		shared.server, shared.err = Start(ctx)
	}
	if errors.Is(shared.err, ErrDockerUnreachable) {
		DockerUnavailable(t, fmt.Sprintf("PostgreSQL tests need Docker with image %s: %v", Image, shared.err))
		return nil
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.server
}

// NewDatabase returns the DSN of a fresh, empty database on the shared container.
func NewDatabase(t testing.TB) string {
	t.Helper()
	dsn, err := SharedServer(t).NewDatabase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}
