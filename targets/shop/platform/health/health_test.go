package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/sabotage"
)

var errDatabaseDown = errors.New("database down")

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// database is a fake dependency whose answer the test controls; it counts the checks.
type database struct {
	down  atomic.Bool
	calls atomic.Int32
}

func (d *database) check() health.Check {
	return health.Check{Name: "postgres", Fn: func(context.Context) error {
		d.calls.Add(1)
		if d.down.Load() {
			return errDatabaseDown
		}
		return nil
	}}
}

func get(t *testing.T, h *health.Health, path string) (int, health.Report) {
	t.Helper()
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var report health.Report
	if path == "/readyz" {
		if err := json.Unmarshal(rec.Body.Bytes(), &report); err != nil {
			t.Fatalf("GET %s body %q: %v", path, rec.Body.String(), err)
		}
	}
	return rec.Code, report
}

func TestHealth_readyzFollowsTheDatabase(t *testing.T) {
	db := &database{}
	h := health.New(discard(), db.check())

	code, report := get(t, h, "/readyz")
	if code != http.StatusOK || report.Status != "ready" || !report.Checks["postgres"].OK {
		t.Fatalf("database up: GET /readyz = %d %+v, want 200 ready", code, report)
	}

	db.down.Store(true)
	code, report = get(t, h, "/readyz")
	if code != http.StatusServiceUnavailable || report.Status != "not ready" {
		t.Fatalf("database down: GET /readyz = %d %+v, want 503 not ready", code, report)
	}
	if got := report.Checks["postgres"].Error; got != errDatabaseDown.Error() {
		t.Errorf("postgres check error = %q, want %q", got, errDatabaseDown)
	}
}

func TestHealth_healthzAnswersWhileDependenciesAreDown(t *testing.T) {
	db := &database{}
	db.down.Store(true)
	h := health.New(discard(), db.check())

	if code, _ := get(t, h, "/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200: liveness must not depend on the database", code)
	}
	if n := db.calls.Load(); n != 0 {
		t.Errorf("GET /healthz ran %d readiness checks, want 0", n)
	}
}

func TestHealth_notReadyAfterShutdownStarts(t *testing.T) {
	h := health.New(discard(), (&database{}).check())
	h.SetShuttingDown()
	if code, report := get(t, h, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz while shutting down = %d %+v, want 503", code, report)
	}
}

func TestHealth_lyingReadinessSabotage(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sabotage  *sabotage.Switches
		wantCode  int
		wantCheck bool
	}{
		{name: "off: a database that does not answer makes readyz fail", sabotage: sabotage.New(), wantCode: http.StatusServiceUnavailable, wantCheck: true},
		{name: "on: readyz says ready without asking the database", sabotage: sabotage.New(sabotage.LyingReadiness), wantCode: http.StatusOK, wantCheck: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &database{}
			db.down.Store(true)
			h := health.New(discard(), db.check()).WithSabotage(tc.sabotage)

			code, _ := get(t, h, "/readyz")
			if code != tc.wantCode {
				t.Errorf("GET /readyz = %d, want %d", code, tc.wantCode)
			}
			if asked := db.calls.Load() > 0; asked != tc.wantCheck {
				t.Errorf("database asked = %v, want %v", asked, tc.wantCheck)
			}

			st := grpcCheck(t, h, "")
			wantGRPC := healthgrpc.HealthCheckResponse_NOT_SERVING
			if tc.wantCode == http.StatusOK {
				wantGRPC = healthgrpc.HealthCheckResponse_SERVING
			}
			if st != wantGRPC {
				t.Errorf("grpc health = %v, want %v", st, wantGRPC)
			}
		})
	}
}

func TestHealth_grpcHealthKeptInStepWithChecks(t *testing.T) {
	db := &database{}
	h := health.New(discard(), db.check())

	if st := grpcCheck(t, h, ""); st != healthgrpc.HealthCheckResponse_SERVING {
		t.Errorf("database up: grpc health = %v, want SERVING", st)
	}
	db.down.Store(true)
	if st := grpcCheck(t, h, ""); st != healthgrpc.HealthCheckResponse_NOT_SERVING {
		t.Errorf("database down: grpc health = %v, want NOT_SERVING", st)
	}
}

func TestHealth_grpcUnknownServiceIsNotFound(t *testing.T) {
	h := health.New(discard())
	client := startGRPC(t, h)
	_, err := client.Check(t.Context(), &healthgrpc.HealthCheckRequest{Service: "shop.nope.v1.Nope"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("Check(unknown service) error = %v, want NotFound", err)
	}
	resp, err := client.Check(t.Context(), &healthgrpc.HealthCheckRequest{Service: "grpc.health.v1.Health"})
	if err != nil || resp.GetStatus() != healthgrpc.HealthCheckResponse_SERVING {
		t.Errorf("Check(registered service) = %v, %v, want SERVING", resp, err)
	}
}

func TestHealth_grpcWatchSendsChanges(t *testing.T) {
	db := &database{}
	h := health.New(discard(), db.check())
	h.WatchInterval = 10 * time.Millisecond
	client := startGRPC(t, h)

	stream, err := client.Watch(t.Context(), &healthgrpc.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	first, err := stream.Recv()
	if err != nil || first.GetStatus() != healthgrpc.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch message = %v, %v, want SERVING", first, err)
	}
	db.down.Store(true)
	second, err := stream.Recv()
	if err != nil || second.GetStatus() != healthgrpc.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("second Watch message = %v, %v, want NOT_SERVING", second, err)
	}
}

func grpcCheck(t *testing.T, h *health.Health, service string) healthgrpc.HealthCheckResponse_ServingStatus {
	t.Helper()
	resp, err := startGRPC(t, h).Check(t.Context(), &healthgrpc.HealthCheckRequest{Service: service})
	if err != nil {
		t.Fatalf("grpc health Check: %v", err)
	}
	return resp.GetStatus()
}

func startGRPC(t *testing.T, h *health.Health) healthgrpc.HealthClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := grpc.NewServer()
	grpcx.RegisterHealth(srv, h)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close conn: %v", err)
		}
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return healthgrpc.NewHealthClient(conn)
}
