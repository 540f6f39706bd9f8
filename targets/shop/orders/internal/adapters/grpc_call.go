package adapters

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
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
	// Calls counts every attempt to call the dependency by result (ok, error, rejected by
	// the open breaker): shop_dependency_calls_total. Nil counts nothing.
	Calls *prometheus.CounterVec
	// Dependency names the dependency in Calls' labels.
	Dependency string
}

// NewCallsCounter returns shop_dependency_calls_total{dependency, result}, registered on reg,
// with every series of the dependencies exported from the start (at 0), so a dashboard or a
// probe finds them before the first call.
func NewCallsCounter(reg prometheus.Registerer, dependencies ...string) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shop_dependency_calls_total",
		Help: "Attempts to call a dependency, by dependency and result (ok, error, rejected by the open breaker).",
	}, []string{"dependency", "result"})
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("register shop_dependency_calls_total: %w", err)
	}
	for _, d := range dependencies {
		for _, r := range []string{"ok", "error", "rejected"} {
			c.WithLabelValues(d, r)
		}
	}
	return c, nil
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

// breakerOpen reports whether the dependency's breaker would refuse a call now.
func (p CallPolicy) breakerOpen() bool {
	return !p.NoBreaker && p.Breaker != nil && p.Breaker.Open()
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
	if p.Calls != nil {
		result := "ok"
		switch {
		case err != nil && breaker.IsOpen(err):
			result = "rejected"
		case err != nil:
			result = "error"
		}
		p.Calls.WithLabelValues(p.Dependency, result).Inc()
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
		return fmt.Errorf("%w: %w: %s: circuit breaker: %w", app.ErrDependencyUnavailable, app.ErrNotSent, what, err)
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

