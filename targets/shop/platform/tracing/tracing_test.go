package tracing_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"

	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/tracing"
)

// setup installs tracing like a service's main does and restores the globals afterwards.
func setup(t *testing.T, sb *sabotage.Switches) *tracetest.InMemoryExporter {
	t.Helper()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	exp := tracetest.NewInMemoryExporter()
	shutdown, err := tracing.Setup(t.Context(), "test", tracing.WithSabotage(sb), tracing.WithSpanExporter(exp),
		tracing.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() {
		if err := shutdown(context.Background()); err != nil {
			t.Errorf("tracing shutdown: %v", err)
		}
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
	return exp
}

// grpcServerTraceID calls a gRPC server built by grpcx.NewServer through a client
// from grpcx.Dial, inside a client span, and returns the client's trace ID and the
// trace ID the server handler saw.
func grpcServerTraceID(t *testing.T) (client, seen trace.TraceID) {
	t.Helper()
	seenCh := make(chan trace.TraceID, 1)
	capture := grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		seenCh <- trace.SpanContextFromContext(ctx).TraceID()
		return h(ctx, req)
	})
	srv := grpcx.NewServer(slog.New(slog.DiscardHandler), capture)
	healthgrpc.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpcx.Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	ctx, span := otel.Tracer("test").Start(t.Context(), "client operation")
	defer span.End()
	if _, err := healthgrpc.NewHealthClient(conn).Check(ctx, &healthgrpc.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check: %v", err)
	}
	return span.SpanContext().TraceID(), <-seenCh
}

// httpServerTraceID does the same over HTTP: tracing.HTTPHandler on the server, otelhttp's
// transport on the client.
func httpServerTraceID(t *testing.T) (client, seen trace.TraceID) {
	t.Helper()
	seenCh := make(chan trace.TraceID, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		seenCh <- trace.SpanContextFromContext(r.Context()).TraceID()
	})
	srv := httptest.NewServer(tracing.HTTPHandler(mux, mux))
	defer srv.Close()

	ctx, span := otel.Tracer("test").Start(t.Context(), "client operation")
	defer span.End()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	resp, err := (&http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)}).Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("close body: %v", err)
	}
	return span.SpanContext().TraceID(), <-seenCh
}

func kafkaRoundTrip(t *testing.T) (client, seen trace.TraceID, headers map[string]string) {
	t.Helper()
	ctx, span := otel.Tracer("test").Start(t.Context(), "publish")
	defer span.End()
	headers = map[string]string{}
	tracing.InjectKafkaHeaders(ctx, func(k, v string) { headers[k] = v })
	consumed := tracing.ExtractKafkaHeaders(context.Background(), headers)
	return span.SpanContext().TraceID(), trace.SpanContextFromContext(consumed).TraceID(), headers
}

func TestSetup_propagatesTraceContext(t *testing.T) {
	exp := setup(t, sabotage.New())

	if client, seen := grpcServerTraceID(t); seen != client {
		t.Errorf("gRPC: server saw trace %s, want the client's %s", seen, client)
	}
	if client, seen := httpServerTraceID(t); seen != client {
		t.Errorf("HTTP: server saw trace %s, want the client's %s", seen, client)
	}
	client, seen, headers := kafkaRoundTrip(t)
	if headers["traceparent"] == "" || seen != client {
		t.Errorf("Kafka: headers %v, consumer trace %s, want traceparent and the producer's %s", headers, seen, client)
	}
	if len(exp.GetSpans()) == 0 {
		t.Error("no spans were recorded")
	}
}

func TestSetup_dropTraceContextSabotageBreaksTraces(t *testing.T) {
	setup(t, sabotage.New(sabotage.DropTraceContext))

	client, seen := grpcServerTraceID(t)
	if !seen.IsValid() || seen == client {
		t.Errorf("gRPC: server saw trace %s, client %s; want a new, disconnected trace", seen, client)
	}
	client, seen = httpServerTraceID(t)
	if !seen.IsValid() || seen == client {
		t.Errorf("HTTP: server saw trace %s, client %s; want a new, disconnected trace", seen, client)
	}
	_, seen, headers := kafkaRoundTrip(t)
	if len(headers) != 0 || seen.IsValid() {
		t.Errorf("Kafka: headers %v, consumer trace %s; want no trace context at all", headers, seen)
	}
}
