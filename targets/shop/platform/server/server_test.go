package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/server"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return lis
}

func TestRun_drainsInFlightWorkThenRunsClosersInOrder(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	started := make(chan struct{})
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		if _, err := io.WriteString(w, "done"); err != nil {
			t.Errorf("write: %v", err)
		}
	})
	h := health.New(logger)
	h.Register(mux)
	grpcSrv := grpcx.NewServer(logger)
	grpcx.RegisterHealth(grpcSrv, h)

	var mu sync.Mutex
	var order []string
	record := func(name string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		}
	}
	httpLis, grpcLis := listen(t), listen(t)
	ctx, cancel := context.WithCancel(t.Context())
	runErr := make(chan error, 1)
	go func() {
		runErr <- server.Run(ctx, logger, server.Options{
			HTTPHandler: mux, HTTPListener: httpLis,
			GRPCServer: grpcSrv, GRPCListener: grpcLis,
			ShutdownTimeout: 5 * time.Second,
			OnShutdown:      []func(){h.SetShuttingDown},
			Closers:         []func(context.Context) error{record("producer"), record("pool")},
		})
	}()

	base := "http://" + httpLis.Addr().String()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		defer func() {
			if err := resp.Body.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		body <- string(b)
	}()
	<-started
	cancel() // as SIGTERM would

	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", httpLis.Addr().String(), time.Second); err == nil {
		t.Error("HTTP still accepts connections after shutdown started")
	}
	mu.Lock()
	closedEarly := len(order)
	mu.Unlock()
	if closedEarly != 0 {
		t.Error("closers ran while a request was in flight")
	}

	close(release)
	if got := <-body; got != "done" {
		t.Errorf("in-flight request got %q, want it to finish with \"done\"", got)
	}
	if err := <-runErr; err != nil {
		t.Errorf("Run() = %v, want nil after a clean shutdown", err)
	}
	if !slices.Equal(order, []string{"producer", "pool"}) {
		t.Errorf("closers ran as %v, want [producer pool]", order)
	}
	if ok, _ := h.Ready(context.Background()); ok {
		t.Error("readiness still ok after shutdown")
	}
}

func TestRun_reportsDrainTimeoutAndCloserErrors(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	errPool := errors.New("pool close failed")
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stuck", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	httpLis := listen(t)
	ctx, cancel := context.WithCancel(t.Context())
	runErr := make(chan error, 1)
	go func() {
		runErr <- server.Run(ctx, logger, server.Options{
			HTTPHandler: mux, HTTPListener: httpLis,
			ShutdownTimeout: 100 * time.Millisecond,
			Closers:         []func(context.Context) error{func(context.Context) error { return errPool }},
		})
	}()
	go func() {
		resp, err := http.Get("http://" + httpLis.Addr().String() + "/stuck")
		if err == nil {
			if cerr := resp.Body.Close(); cerr != nil {
				t.Errorf("close: %v", cerr)
			}
		}
	}()
	<-started
	cancel()
	err := <-runErr
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errPool) {
		t.Errorf("Run() = %v, want the drain timeout and the closer error", err)
	}
}
