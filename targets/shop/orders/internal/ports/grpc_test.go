package ports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

func TestStatus_mapsEachErrorToItsCodeAndReason(t *testing.T) {
	s := &GRPCServer{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	wrap := func(err error) error { return fmt.Errorf("create order: %w", err) }
	cases := []struct {
		err    error
		want   codes.Code
		reason string
	}{
		{wrap(order.ErrInvalidOrder), codes.InvalidArgument, "INVALID_ORDER"},
		{wrap(order.ErrCurrencyMismatch), codes.InvalidArgument, "CURRENCY_MISMATCH"},
		{wrap(order.ErrNotFound), codes.NotFound, "ORDER_NOT_FOUND"},
		{wrap(order.ErrProductNotFound), codes.FailedPrecondition, "PRODUCT_NOT_FOUND"},
		{wrap(order.ErrInsufficientStock), codes.FailedPrecondition, "INSUFFICIENT_STOCK"},
		{wrap(order.ErrPaymentDeclined), codes.FailedPrecondition, "PAYMENT_DECLINED"},
		{wrap(order.ErrInvalidTransition), codes.FailedPrecondition, "INVALID_TRANSITION"},
		{wrap(order.ErrConcurrentUpdate), codes.Aborted, "CONCURRENT_UPDATE"},
		{wrap(app.ErrDependencyUnavailable), codes.Unavailable, "DEPENDENCY_UNAVAILABLE"},
		{wrap(app.ErrShuttingDown), codes.Unavailable, "SHUTTING_DOWN"},
		{wrap(context.DeadlineExceeded), codes.DeadlineExceeded, ""},
		{wrap(context.Canceled), codes.Canceled, ""},
	}
	for _, c := range cases {
		st := status.Convert(s.status(context.Background(), c.err))
		if st.Code() != c.want || st.Message() != c.err.Error() {
			t.Errorf("status(%v) = %s %q, want %s with the error's text", c.err, st.Code(), st.Message(), c.want)
		}
		var reason, domain string
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				reason, domain = info.GetReason(), info.GetDomain()
			}
		}
		if reason != c.reason || (c.reason != "" && domain != ErrorDomain) {
			t.Errorf("status(%v): ErrorInfo reason %q domain %q, want %q %q", c.err, reason, domain, c.reason, ErrorDomain)
		}
	}
}

func TestStatus_unexpectedErrorIsInternalWithoutItsText(t *testing.T) {
	s := &GRPCServer{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	st := status.Convert(s.status(context.Background(), errors.New("pg: relation does not exist")))
	if st.Code() != codes.Internal || st.Message() != "internal error" || len(st.Details()) != 0 {
		t.Errorf("status = %s %q %v, want Internal, \"internal error\", no details", st.Code(), st.Message(), st.Details())
	}
}
