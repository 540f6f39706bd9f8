package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/breaker"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// CallPolicy is how a client calls its dependency: every call through the dependency's
// circuit breaker and with its own deadline.
type CallPolicy struct {
	// Timeout bounds each call (PAYMENTS_TIMEOUT, INVENTORY_TIMEOUT; default 2s).
	Timeout time.Duration
	// Breaker is shared by every call to the dependency.
	Breaker *breaker.Breaker[struct{}]
	// NoBreaker is the no-breaker sabotage: calls bypass the breaker, so a dead
	// dependency is called (and waited for) every time.
	NoBreaker bool
	// NoDeadline is the no-deadline sabotage: calls carry no deadline of their own and
	// wait as long as the dependency (or the caller's context) lets them.
	NoDeadline bool
}

func (p CallPolicy) validate(dep string) error {
	if p.Breaker == nil && !p.NoBreaker {
		return fmt.Errorf("%s client: a circuit breaker is required", dep)
	}
	if p.Timeout <= 0 && !p.NoDeadline {
		return fmt.Errorf("%s client: a positive timeout is required", dep)
	}
	return nil
}

// do runs one call under the policy; the error is the call's raw gRPC error or the
// breaker's.
func (p CallPolicy) do(ctx context.Context, call func(ctx context.Context) error) error {
	run := func() (struct{}, error) {
		callCtx, cancel := ctx, context.CancelFunc(func() {})
		if !p.NoDeadline {
			callCtx, cancel = context.WithTimeout(ctx, p.Timeout)
		}
		defer cancel()
		return struct{}{}, call(callCtx)
	}
	var err error
	if p.NoBreaker {
		_, err = run()
	} else {
		_, err = p.Breaker.Execute(run)
	}
	return err
}

// translate turns a call's error into the app's terms: the statuses in refusals become
// those domain errors (business outcomes), InvalidArgument an invalid order, the
// caller's own cancellation stays a context error, and anything else (deadline,
// Unavailable, open breaker, ...) wraps app.ErrDependencyUnavailable.
func translate(ctx context.Context, what string, err error, refusals map[codes.Code]error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s: %w: %w", what, ctxErr, err)
	}
	if breaker.IsOpen(err) {
		return fmt.Errorf("%w: %s: circuit breaker: %w", app.ErrDependencyUnavailable, what, err)
	}
	st, ok := status.FromError(err)
	if ok {
		if refused, ok := refusals[st.Code()]; ok {
			return fmt.Errorf("%w: %s: %s", refused, what, st.Message())
		}
		if st.Code() == codes.InvalidArgument {
			return fmt.Errorf("%w: %s: %s", order.ErrInvalidOrder, what, st.Message())
		}
	}
	return fmt.Errorf("%w: %s: %w", app.ErrDependencyUnavailable, what, err)
}

// healthCheck asks the dependency's grpc.health.v1 service over the shared connection,
// bypassing the breaker (readiness must see the dependency, not our view of it).
func healthCheck(ctx context.Context, conn grpc.ClientConnInterface, dep string) error {
	resp, err := healthgrpc.NewHealthClient(conn).Check(ctx, &healthgrpc.HealthCheckRequest{})
	if err != nil {
		return fmt.Errorf("%s health: %w", dep, err)
	}
	if resp.GetStatus() != healthgrpc.HealthCheckResponse_SERVING {
		return fmt.Errorf("%s health: %w", dep, errors.New(resp.GetStatus().String()))
	}
	return nil
}
