// Package logging builds the services' log/slog JSON loggers. Every line logged with a
// request's context carries trace_id, span_id and request_id, so one request can be
// followed across all services.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// RequestIDKey is the gRPC metadata key and (canonicalised) HTTP header of the request ID.
const RequestIDKey = "x-request-id"

// New returns a JSON logger writing to stdout with a "service" attribute on every line.
func New(service string, level slog.Leveler) *slog.Logger {
	return NewWriter(os.Stdout, service, level)
}

// NewWriter is New writing to w (tests pass a buffer).
func NewWriter(w io.Writer, service string, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(NewContextHandler(h)).With("service", service)
}

// NewContextHandler wraps h so records logged with a context get trace_id, span_id and
// request_id from it, at the top level even inside WithGroup.
func NewContextHandler(h slog.Handler) slog.Handler {
	return contextHandler{base: h, next: h}
}

// contextHandler remembers the handler before any group (base) and the steps applied to
// it since, so it can add the IDs at the top level and replay the steps when groups are in use.
type contextHandler struct {
	base      slog.Handler
	next      slog.Handler // base with steps applied
	steps     []step
	hasGroups bool
}

type step struct {
	attrs []slog.Attr
	group string
}

func (h contextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	var ids []slog.Attr
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ids = append(ids, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	if id := RequestID(ctx); id != "" {
		ids = append(ids, slog.String("request_id", id))
	}
	if len(ids) == 0 {
		return h.next.Handle(ctx, r)
	}
	if !h.hasGroups {
		r.AddAttrs(ids...)
		return h.next.Handle(ctx, r)
	}
	next := h.base.WithAttrs(ids)
	for _, s := range h.steps {
		if s.group != "" {
			next = next.WithGroup(s.group)
		} else {
			next = next.WithAttrs(s.attrs)
		}
	}
	return next.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{
		base:      h.base,
		next:      h.next.WithAttrs(attrs),
		steps:     append(slices.Clip(h.steps), step{attrs: attrs}),
		hasGroups: h.hasGroups,
	}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return contextHandler{
		base:      h.base,
		next:      h.next.WithGroup(name),
		steps:     append(slices.Clip(h.steps), step{group: name}),
		hasGroups: true,
	}
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Error is the conventional attribute for an error: "error": err.Error().
func Error(err error) slog.Attr {
	if err == nil {
		return slog.String("error", "")
	}
	return slog.String("error", err.Error())
}
