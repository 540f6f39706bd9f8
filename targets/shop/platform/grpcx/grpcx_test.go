package grpcx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/logging"
)

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return lis
}

func TestGRPCInterceptors_propagateRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.NewWriter(&buf, "payments", slog.LevelDebug)
	seen := make(chan string, 1)
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		grpcx.UnaryServerInterceptor(logger),
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			seen <- logging.RequestID(ctx)
			return h(ctx, req)
		},
	))
	healthgrpc.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(grpcx.UnaryClientInterceptor()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	var header metadata.MD
	ctx := logging.WithRequestID(t.Context(), "req-42")
	if _, err := healthgrpc.NewHealthClient(conn).Check(ctx, &healthgrpc.HealthCheckRequest{}, grpc.Header(&header)); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got := <-seen; got != "req-42" {
		t.Errorf("server saw request id %q, want req-42", got)
	}
	if got := header.Get(logging.RequestIDKey); len(got) != 1 || got[0] != "req-42" {
		t.Errorf("response header x-request-id = %v, want req-42", got)
	}
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["request_id"] != "req-42" || got[0]["grpc.code"] != "OK" {
		t.Errorf("log = %v, want one line for the call with request_id req-42", got)
	}
}

func TestNewServer_recoversFromPanics(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	srv := grpcx.NewServer(logger)
	healthgrpc.RegisterHealthServer(srv, panicky{})
	lis := listen(t)
	go func() {
		if err := srv.Serve(lis); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	defer srv.Stop()
	conn, err := grpcx.Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	_, err = healthgrpc.NewHealthClient(conn).Check(t.Context(), &healthgrpc.HealthCheckRequest{})
	if err == nil || err.Error() != "rpc error: code = Internal desc = internal error" {
		t.Errorf("Check on a panicking handler = %v, want Internal", err)
	}
}

type panicky struct {
	healthgrpc.UnimplementedHealthServer
}

func (panicky) Check(context.Context, *healthgrpc.HealthCheckRequest) (*healthgrpc.HealthCheckResponse, error) {
	panic("boom")
}
