package grpcx

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/health"
)

// RegisterHealth registers grpc.health.v1 on s, answered by h: Check and Watch answer from
// the same checks as /readyz, for the whole server ("") and for every service registered on s.
func RegisterHealth(s *grpc.Server, h *health.Health) {
	healthgrpc.RegisterHealthServer(s, &grpcHealth{h: h, server: s})
}

type grpcHealth struct {
	healthgrpc.UnimplementedHealthServer
	h      *health.Health
	server *grpc.Server
}

func (g *grpcHealth) known(service string) bool {
	if service == "" {
		return true
	}
	_, ok := g.server.GetServiceInfo()[service]
	return ok
}

func (g *grpcHealth) status(ctx context.Context) healthgrpc.HealthCheckResponse_ServingStatus {
	if ok, _ := g.h.Ready(ctx); ok {
		return healthgrpc.HealthCheckResponse_SERVING
	}
	return healthgrpc.HealthCheckResponse_NOT_SERVING
}

func (g *grpcHealth) Check(ctx context.Context, req *healthgrpc.HealthCheckRequest) (*healthgrpc.HealthCheckResponse, error) {
	if !g.known(req.GetService()) {
		return nil, status.Errorf(codes.NotFound, "unknown service %q", req.GetService())
	}
	return &healthgrpc.HealthCheckResponse{Status: g.status(ctx)}, nil
}

func (g *grpcHealth) Watch(req *healthgrpc.HealthCheckRequest, stream healthgrpc.Health_WatchServer) error {
	ctx := stream.Context()
	interval := g.h.WatchInterval
	if interval <= 0 {
		interval = time.Second
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	last := healthgrpc.HealthCheckResponse_ServingStatus(-1)
	for {
		st := healthgrpc.HealthCheckResponse_SERVICE_UNKNOWN
		if g.known(req.GetService()) {
			st = g.status(ctx)
		}
		if st != last {
			if err := stream.Send(&healthgrpc.HealthCheckResponse{Status: st}); err != nil {
				return fmt.Errorf("health watch send: %w", err)
			}
			last = st
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-ticker.C:
		}
	}
}
