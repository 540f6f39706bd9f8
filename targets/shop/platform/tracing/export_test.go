package tracing_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel"

	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/tracing"
)

type otlpRequest struct {
	path, contentType string
	size              int
}

func TestSetup_exportsOverOTLPHTTPWhenEndpointSet(t *testing.T) {
	got := make(chan otlpRequest, 10)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		got <- otlpRequest{path: r.URL.Path, contentType: r.Header.Get("Content-Type"), size: len(body)}
	}))
	defer collector.Close()
	t.Setenv(tracing.EndpointEnv, collector.URL)

	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	defer func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	}()
	shutdown, err := tracing.Setup(t.Context(), "test", tracing.WithSabotage(sabotage.New()),
		tracing.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	_, span := otel.Tracer("test").Start(t.Context(), "work")
	span.End()
	if err := shutdown(context.Background()); err != nil { // flushes the batch
		t.Fatalf("shutdown: %v", err)
	}

	select {
	case req := <-got:
		if req.path != "/v1/traces" || req.contentType != "application/x-protobuf" || req.size == 0 {
			t.Errorf("collector got %+v, want a protobuf POST to /v1/traces", req)
		}
	default:
		t.Fatal("no span reached the OTLP endpoint")
	}
}
