package adapters

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"

	"faultline.dev/shop/platform/health"
)

// GRPCHealthCheck is the readiness check of a gRPC dependency: its grpc.health.v1 service
// answers SERVING for the whole server (so its own readiness checks pass).
func GRPCHealthCheck(name string, conn grpc.ClientConnInterface) health.Check {
	client := healthgrpc.NewHealthClient(conn)
	return health.Check{Name: name, Fn: func(ctx context.Context) error {
		resp, err := client.Check(ctx, &healthgrpc.HealthCheckRequest{})
		if err != nil {
			return fmt.Errorf("%s health: %w", name, err)
		}
		if st := resp.GetStatus(); st != healthgrpc.HealthCheckResponse_SERVING {
			return fmt.Errorf("%s health: %s", name, st)
		}
		return nil
	}}
}
