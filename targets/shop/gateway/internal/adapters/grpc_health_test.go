package adapters_test

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"

	"faultline.dev/shop/platform/grpcx"

	"faultline.dev/shop/gateway/internal/adapters"
)

func TestGRPCHealthCheck_followsTheDependencysServingStatus(t *testing.T) {
	lis := bufconn.Listen(1 << 16)
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthgrpc.RegisterHealthServer(srv, hs)
	go func() {
		if err := srv.Serve(lis); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(srv.Stop)
	conn, err := grpcx.Dial("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	check := adapters.GRPCHealthCheck("orders", conn)
	ctx := context.Background()

	hs.SetServingStatus("", healthgrpc.HealthCheckResponse_SERVING)
	if err := check.Fn(ctx); err != nil {
		t.Fatalf("serving: %v", err)
	}
	hs.SetServingStatus("", healthgrpc.HealthCheckResponse_NOT_SERVING)
	if err := check.Fn(ctx); err == nil {
		t.Fatal("not serving: check passed")
	}
	srv.Stop()
	if err := check.Fn(ctx); err == nil {
		t.Fatal("server gone: check passed")
	}
}
