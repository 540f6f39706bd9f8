// Package adapters implements the gateway's app interfaces over gRPC clients of the orders
// and inventory services. gRPC status codes become the domain's and app's errors here; the
// ports turn those into HTTP statuses.
package adapters

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/gateway/internal/app"
)

// rpcError is a failed call: the kind the gateway understands, and the status the service
// sent (both reachable with errors.Is / errors.As).
type rpcError struct {
	method string
	kind   error
	st     *status.Status
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.method, e.st.Code(), e.st.Message())
}

func (e *rpcError) Unwrap() []error { return []error{e.kind, e.st.Err()} }

// commonKinds are the codes whose meaning does not depend on the call.
var commonKinds = map[codes.Code]error{
	codes.Unavailable:       app.ErrUnavailable,
	codes.DeadlineExceeded:  app.ErrTimeout,
	codes.ResourceExhausted: app.ErrOverloaded,
	codes.Canceled:          context.Canceled,
}

// fromRPC converts a gRPC client error. kinds maps the call's own codes to domain errors;
// an unmapped code is returned as the status error, which the ports report as internal.
func fromRPC(method string, err error, kinds map[codes.Code]error) error {
	st, ok := status.FromError(err)
	if !ok {
		// Not a status: the context ended before the call was made, or a local failure.
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w: %w", method, app.ErrTimeout, err)
		}
		return fmt.Errorf("%s: %w", method, err)
	}
	if kind, ok := kinds[st.Code()]; ok {
		return &rpcError{method: method, kind: kind, st: st}
	}
	if kind, ok := commonKinds[st.Code()]; ok {
		return &rpcError{method: method, kind: kind, st: st}
	}
	return fmt.Errorf("%s: %w", method, st.Err())
}
