package tracing_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/tracing"
)

func TestHTTPHandler_serverSpanPerRequest(t *testing.T) {
	exp := setup(t, sabotage.New())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !trace.SpanContextFromContext(r.Context()).IsValid() {
			t.Error("handler context has no span")
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	h := tracing.HTTPHandler(mux, mux)

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req := httptest.NewRequest(http.MethodGet, "/v1/orders/42", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/nowhere", nil))

	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	got := spans[0]
	if got.Name != "GET /v1/orders/{id}" || got.SpanKind != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want the route as name and kind server", got.Name, got.SpanKind)
	}
	if got.SpanContext.TraceID().String() != traceID || got.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("span trace %s parent %s, want the caller's", got.SpanContext.TraceID(), got.Parent.SpanID())
	}
	attrs := attribute.NewSet(got.Attributes...)
	if v, _ := attrs.Value("http.response.status_code"); v.AsInt64() != http.StatusServiceUnavailable {
		t.Errorf("status code attribute %d, want 503", v.AsInt64())
	}
	if v, _ := attrs.Value("http.route"); v.AsString() != "GET /v1/orders/{id}" {
		t.Errorf("http.route %q", v.AsString())
	}
	if got.Status.Code != codes.Error {
		t.Errorf("span status %v, want Error for a 5xx", got.Status.Code)
	}
	if spans[1].Name != "POST unmatched" || spans[1].Status.Code == codes.Error {
		t.Errorf("unmatched request: span %q status %v, want \"POST unmatched\" and no error (404)", spans[1].Name, spans[1].Status.Code)
	}
}
