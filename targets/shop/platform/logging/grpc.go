package logging

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// UnaryServerInterceptor takes the request ID from the incoming x-request-id metadata (or
// makes one), puts it in the context and the response header, and logs each call once
// with its method, status code and duration. Health checks are logged at DEBUG.
func UnaryServerInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		id := incomingRequestID(ctx)
		ctx = WithRequestID(ctx, id)
		if err := grpc.SetHeader(ctx, metadata.Pairs(RequestIDKey, id)); err != nil {
			logger.DebugContext(ctx, "cannot set request id header", Error(err))
		}

		resp, err := handler(ctx, req)

		code := status.Code(err)
		attrs := []any{
			slog.String("grpc.method", info.FullMethod),
			slog.String("grpc.code", code.String()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if err != nil {
			attrs = append(attrs, Error(err))
		}
		level := levelForCode(code)
		if info.FullMethod == "/grpc.health.v1.Health/Check" && level == slog.LevelInfo {
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "grpc call", attrs...)
		return resp, err
	}
}

// UnaryClientInterceptor sends the context's request ID as x-request-id metadata.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if id := RequestID(ctx); id != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, RequestIDKey, id)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func incomingRequestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDKey); len(v) > 0 && validRequestID(v[0]) {
			return v[0]
		}
	}
	return uuid.NewString()
}

// validRequestID accepts what a client may reasonably send and refuses what would make
// logs unreadable.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

func levelForCode(code codes.Code) slog.Level {
	switch code {
	case codes.OK:
		return slog.LevelInfo
	case codes.Canceled, codes.InvalidArgument, codes.NotFound, codes.AlreadyExists,
		codes.PermissionDenied, codes.Unauthenticated, codes.FailedPrecondition,
		codes.OutOfRange, codes.ResourceExhausted, codes.Aborted:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}
