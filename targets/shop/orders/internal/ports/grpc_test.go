package ports

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

func TestCodeOf_mapsEachErrorToItsOwnCode(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("create order: %w", err) }
	cases := []struct {
		err  error
		want codes.Code
	}{
		{wrap(order.ErrInvalidOrder), codes.InvalidArgument},
		{wrap(order.ErrCurrencyMismatch), codes.InvalidArgument},
		{wrap(order.ErrNotFound), codes.NotFound},
		{wrap(order.ErrProductNotFound), codes.FailedPrecondition},
		{wrap(order.ErrPaymentDeclined), codes.FailedPrecondition},
		{wrap(order.ErrConcurrentUpdate), codes.Aborted},
		{wrap(app.ErrDependencyUnavailable), codes.Unavailable},
		{wrap(app.ErrShuttingDown), codes.Unavailable},
		{wrap(context.DeadlineExceeded), codes.DeadlineExceeded},
		{wrap(context.Canceled), codes.Canceled},
		{errors.New("pg: relation does not exist"), codes.Internal},
	}
	for _, c := range cases {
		if got := codeOf(c.err); got != c.want {
			t.Errorf("codeOf(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}
