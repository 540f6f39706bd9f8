// Package tracing sets up OpenTelemetry for a service: a tracer provider whose spans are
// exported over OTLP/HTTP (protobuf, the OTLP default protocol; the endpoint is the
// collector's HTTP port, 4318) only when OTEL_EXPORTER_OTLP_ENDPOINT is set (spans, and
// so the trace IDs in logs, exist either way), and W3C tracecontext + baggage propagation
// used by otelgrpc (platform/grpcx), HTTPHandler here and the Kafka header helpers here.
//
// The exporter is otlptracehttp, not otlptracegrpc: both link gRPC (through the OTLP
// collector package), but the gRPC one costs about 0.5 MB more per image (CONVENTIONS.md,
// "Images").
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"faultline.dev/shop/platform/sabotage"
)

// EndpointEnv turns on export when set.
const EndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

type options struct {
	sabotage *sabotage.Switches
	logger   *slog.Logger
	exporter sdktrace.SpanExporter
}

// Option configures Setup.
type Option func(*options)

// WithSabotage applies the switches that belong to tracing: with
// sabotage.DropTraceContext on, no trace context is injected into outgoing gRPC/HTTP calls
// or Kafka headers, and none is extracted from incoming ones, so every service starts its
// own disconnected traces.
func WithSabotage(sb *sabotage.Switches) Option {
	return func(o *options) { o.sabotage = sb }
}

// WithLogger logs where spans go.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithSpanExporter exports to exp (tests pass an in-memory exporter) instead of OTLP.
func WithSpanExporter(exp sdktrace.SpanExporter) Option {
	return func(o *options) { o.exporter = exp }
}

// Setup installs the global tracer provider and propagator for service and returns the
// function that flushes and stops them (call it last on shutdown).
func Setup(ctx context.Context, service string, opts ...Option) (shutdown func(context.Context) error, err error) {
	o := options{logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", service)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	switch {
	case o.exporter != nil:
		tpOpts = append(tpOpts, sdktrace.WithSyncer(o.exporter))
	case os.Getenv(EndpointEnv) != "":
		exp, err := otlptracehttp.New(ctx) // reads OTEL_EXPORTER_OTLP_* itself ({endpoint}/v1/traces)
		if err != nil {
			return nil, fmt.Errorf("tracing: otlp exporter: %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
		o.logger.Info("tracing: exporting spans over OTLP", slog.String("endpoint", os.Getenv(EndpointEnv)))
	default:
		o.logger.Info("tracing: " + EndpointEnv + " not set, spans are not exported")
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator(o.sabotage))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		o.logger.Warn("opentelemetry error", slog.String("error", err.Error()))
	}))
	return func(ctx context.Context) error {
		if err := tp.Shutdown(ctx); err != nil {
			return fmt.Errorf("tracing: shutdown: %w", err)
		}
		return nil
	}, nil
}

// Propagator is the propagator Setup installs: W3C tracecontext and baggage, or, with
// sabotage.DropTraceContext on, one that carries nothing.
func Propagator(sb *sabotage.Switches) propagation.TextMapPropagator {
	if sb.On(sabotage.DropTraceContext) {
		return propagation.NewCompositeTextMapPropagator() // injects and extracts nothing
	}
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// InjectKafkaHeaders writes ctx's trace context (traceparent, tracestate, baggage) through
// set, for example into a Kafka record's headers or an outbox row.
func InjectKafkaHeaders(ctx context.Context, set func(key, value string)) {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	for k, v := range carrier {
		set(k, v)
	}
}

// ExtractKafkaHeaders returns ctx with the remote trace context found in headers.
func ExtractKafkaHeaders(ctx context.Context, headers map[string]string) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(headers))
}
