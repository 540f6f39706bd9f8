package grpcx

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrorCode maps one domain error (matched with errors.Is) to a status code and the
// ErrorInfo reason clients may switch on.
type ErrorCode struct {
	Err    error
	Code   codes.Code
	Reason string
}

// ErrorMapper turns a service's errors into gRPC statuses, in its ports layer only. The
// table is the service's own; the first match wins. Context errors keep their codes.
// Anything else is a bug: it is logged and reaches the client as Internal, without details.
type ErrorMapper struct {
	// Domain of the ErrorInfo details (e.g. "payments.shop.faultline.dev").
	Domain string
	Codes  []ErrorCode
	Logger *slog.Logger
}

// Status maps err to a gRPC status error.
func (m ErrorMapper) Status(ctx context.Context, err error) error {
	for _, c := range m.Codes {
		if errors.Is(err, c.Err) {
			return m.withReason(status.New(c.Code, err.Error()), c.Reason)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	if m.Logger != nil {
		m.Logger.ErrorContext(ctx, "internal error", slog.String("error", err.Error()))
	}
	return status.Error(codes.Internal, "internal error")
}

func (m ErrorMapper) withReason(st *status.Status, reason string) error {
	detailed, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: m.Domain})
	if err != nil {
		return st.Err()
	}
	return detailed.Err()
}
