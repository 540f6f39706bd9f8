// Package grpcx is the gRPC side of the platform: a server with tracing, request-ID
// logging and panic recovery, a client connection with the same, and grpc.health.v1
// answered from a health.Health. It is a package of its own so that services that speak
// no gRPC (notifications) do not link gRPC at all, and services that only call gRPC
// (gateway) link no server code (see CONVENTIONS.md, "Images").
package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/platform/logging"
)

// NewServer returns a gRPC server with the OpenTelemetry stats handler (server spans,
// trace context from incoming metadata), UnaryServerInterceptor and panic recovery. opts
// are appended; more interceptors given with grpc.ChainUnaryInterceptor run after ours.
// Pass it to server.Run as Options.GRPCServer.
func NewServer(logger *slog.Logger, opts ...grpc.ServerOption) *grpc.Server {
	base := []grpc.ServerOption{
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(
			UnaryServerInterceptor(logger),
			RecoveryUnaryInterceptor(logger),
		),
	}
	return grpc.NewServer(append(base, opts...)...)
}

// RecoveryUnaryInterceptor turns a handler panic into codes.Internal and logs its stack.
func RecoveryUnaryInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				logger.ErrorContext(ctx, "panic in grpc handler",
					slog.String("grpc.method", info.FullMethod), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

// Dial returns a client connection to target (host:port, plaintext inside the network)
// with the OpenTelemetry client stats handler and UnaryClientInterceptor. Dial once at
// start and share the connection; never dial per call.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor()),
	}
	conn, err := grpc.NewClient(target, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("grpc client %s: %w", target, err)
	}
	return conn, nil
}

// UnaryServerInterceptor takes the request ID from the incoming x-request-id metadata (or
// makes one), puts it in the context and the response header, and logs each call once
// with its method, status code and duration. Health checks are logged at DEBUG.
func UnaryServerInterceptor(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		id := incomingRequestID(ctx)
		ctx = logging.WithRequestID(ctx, id)
		if err := grpc.SetHeader(ctx, metadata.Pairs(logging.RequestIDKey, id)); err != nil {
			logger.DebugContext(ctx, "cannot set request id header", logging.Error(err))
		}

		resp, err := handler(ctx, req)

		code := status.Code(err)
		attrs := []any{
			slog.String("grpc.method", info.FullMethod),
			slog.String("grpc.code", code.String()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if err != nil {
			attrs = append(attrs, logging.Error(err))
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
		if id := logging.RequestID(ctx); id != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, logging.RequestIDKey, id)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

func incomingRequestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(logging.RequestIDKey); len(v) > 0 && logging.ValidRequestID(v[0]) {
			return v[0]
		}
	}
	return uuid.NewString()
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
