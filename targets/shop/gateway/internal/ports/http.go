// Package ports is the gateway's public REST/JSON API. It is the only place where errors
// become HTTP statuses.
package ports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/tracing"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"faultline.dev/shop/gateway/internal/app"
	"faultline.dev/shop/gateway/internal/domain/order"
	"faultline.dev/shop/gateway/internal/domain/product"
)

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 64 << 10

// HTTPOptions configures the REST API.
type HTTPOptions struct {
	Logger *slog.Logger
	// Registry receives the API's metrics; nil means none are exported.
	Registry prometheus.Registerer
	// RateLimit of the /v1 API (one bucket for the gateway instance).
	RateLimit RateLimit
	// Sabotage switches that act here: no-rate-limit turns the limiter off; breaking-change
	// sends the order's "status" field as "state" (a provider-side breaking change the
	// contract suites must catch).
	Sabotage *sabotage.Switches
}

// HTTPServer serves the /v1 REST API over the app's use cases.
type HTTPServer struct {
	app     app.Application
	logger  *slog.Logger
	limiter *RateLimiter // nil: no rate limit
	// renameStatusToState is the breaking-change sabotage.
	renameStatusToState bool
	latency             *prometheus.HistogramVec
}

// NewHTTPServer returns the API over application.
func NewHTTPServer(application app.Application, opts HTTPOptions) (*HTTPServer, error) {
	if opts.Logger == nil {
		return nil, errors.New("ports: HTTPOptions.Logger is required")
	}
	s := &HTTPServer{
		app:                 application,
		logger:              opts.Logger,
		renameStatusToState: opts.Sabotage.On(BreakingChange),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shop_gateway_http_request_duration_seconds",
			Help:    "Duration of REST API requests by route, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "code"}),
	}
	if opts.Registry != nil {
		if err := opts.Registry.Register(s.latency); err != nil {
			return nil, fmt.Errorf("ports: register http metrics: %w", err)
		}
	}
	if !opts.Sabotage.On(sabotage.NoRateLimit) {
		l, err := NewRateLimiter(opts.RateLimit, opts.Registry)
		if err != nil {
			return nil, err
		}
		s.limiter = l
	}
	return s, nil
}

// NewHandler wraps mux, on which the API, health and metrics are registered, so that every
// request gets a server span (trace context taken from the W3C headers), a request ID
// (X-Request-Id taken from the request or made, echoed in the response, sent on to gRPC
// calls) and one log line carrying both.
func NewHandler(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return tracing.HTTPHandler(mux, logging.HTTPMiddleware(logger, mux))
}

// Register serves the /v1 API on mux. Health, readiness and metrics are registered on the
// same mux by the caller and are never rate-limited.
func (s *HTTPServer) Register(mux *http.ServeMux) {
	s.route(mux, "POST /v1/orders", s.placeOrder)
	s.route(mux, "GET /v1/orders/{id}", s.getOrder)
	s.route(mux, "GET /v1/products/{sku}", s.getProduct)
	s.route(mux, "GET /v1/products", s.listProducts)
}

func (s *HTTPServer) route(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	var handler http.Handler = h
	if s.limiter != nil {
		handler = s.limiter.Middleware(handler, s.writeError)
	}
	mux.Handle(pattern, s.measure(pattern, handler))
}

// measure records the request's duration under its route pattern (never the raw path, so
// IDs do not explode the label set).
func (s *HTTPServer) measure(pattern string, next http.Handler) http.Handler {
	route := pattern[strings.IndexByte(pattern, ' ')+1:]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.latency.WithLabelValues(route, r.Method, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
	})
}

type codeRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (c *codeRecorder) WriteHeader(code int) {
	if !c.wrote {
		c.code, c.wrote = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeRecorder) Write(b []byte) (int, error) {
	c.wrote = true
	return c.ResponseWriter.Write(b)
}

func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// --- request and response bodies (snake_case JSON) ---

type placeOrderRequest struct {
	CustomerID string             `json:"customer_id"`
	Currency   string             `json:"currency"`
	Lines      []orderLineRequest `json:"lines"`
}

type orderLineRequest struct {
	SKU      string `json:"sku"`
	Quantity int32  `json:"quantity"`
}

type orderResponse struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Currency   string `json:"currency"`
	// Exactly one of Status and State is set: State only under the breaking-change sabotage.
	Status             string              `json:"status,omitempty"`
	State              string              `json:"state,omitempty"`
	TotalCents         int64               `json:"total_cents"`
	Lines              []orderLineResponse `json:"lines"`
	CancellationReason string              `json:"cancellation_reason"`
	CreatedAt          time.Time           `json:"created_at"`
	UpdatedAt          time.Time           `json:"updated_at"`
}

type orderLineResponse struct {
	SKU            string `json:"sku"`
	Quantity       int32  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

type productResponse struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int32  `json:"available"`
}

type productStockResponse struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int32  `json:"available"`
	Reserved   int32  `json:"reserved"`
	Initial    int32  `json:"initial"`
}

type productsResponse struct {
	Products []productStockResponse `json:"products"`
}

type errorResponse struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// --- handlers ---

func (s *HTTPServer) placeOrder(w http.ResponseWriter, r *http.Request) {
	var req placeOrderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	lines := make([]order.Line, len(req.Lines))
	for i, l := range req.Lines {
		lines[i] = order.Line{SKU: l.SKU, Quantity: l.Quantity}
	}
	// Without an Idempotency-Key each request is a new order: the gateway makes a key so that
	// orders can still deduplicate its own retries of this one request.
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = "gw-" + uuid.NewString()
	}
	o, err := s.app.Commands.PlaceOrder.Handle(r.Context(), app.PlaceOrder{
		IdempotencyKey: key,
		CustomerID:     req.CustomerID,
		Currency:       req.Currency,
		Lines:          lines,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// 201 once the saga has finished (confirmed or cancelled); 202 while it still runs:
	// the client polls GET /v1/orders/{id}.
	code := http.StatusCreated
	if !o.Status.Terminal() {
		code = http.StatusAccepted
	}
	w.Header().Set("Location", "/v1/orders/"+o.ID)
	s.writeJSON(w, r, code, s.orderJSON(o))
}

func (s *HTTPServer) getOrder(w http.ResponseWriter, r *http.Request) {
	o, err := s.app.Queries.GetOrder.Handle(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.orderJSON(o))
}

func (s *HTTPServer) getProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.Queries.GetProduct.Handle(r.Context(), r.PathValue("sku"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, productResponse{
		SKU: p.SKU, Name: p.Name, PriceCents: p.PriceCents, Currency: p.Currency, Available: p.Available,
	})
}

func (s *HTTPServer) listProducts(w http.ResponseWriter, r *http.Request) {
	ps, err := s.app.Queries.ListProducts.Handle(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := productsResponse{Products: make([]productStockResponse, len(ps))}
	for i, p := range ps {
		out.Products[i] = productStockResponse{
			SKU: p.SKU, Name: p.Name, PriceCents: p.PriceCents, Currency: p.Currency,
			Available: p.Available, Reserved: p.Reserved, Initial: p.Initial,
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func (s *HTTPServer) orderJSON(o order.Order) orderResponse {
	lines := make([]orderLineResponse, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = orderLineResponse{SKU: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents}
	}
	out := orderResponse{
		ID:                 o.ID,
		CustomerID:         o.CustomerID,
		Currency:           o.Currency,
		TotalCents:         o.TotalCents,
		Lines:              lines,
		CancellationReason: o.CancellationReason,
		CreatedAt:          o.CreatedAt.UTC(),
		UpdatedAt:          o.UpdatedAt.UTC(),
	}
	if s.renameStatusToState {
		out.State = string(o.Status)
	} else {
		out.Status = string(o.Status)
	}
	return out
}

// --- JSON in and out, errors ---

// errBadRequest marks a request the gateway cannot even read (malformed JSON, too large).
var errBadRequest = errors.New("bad request")

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: request body: %w", errBadRequest, err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: request body: more than one JSON value", errBadRequest)
	}
	return nil
}

func (s *HTTPServer) writeJSON(w http.ResponseWriter, r *http.Request, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.logger.DebugContext(r.Context(), "cannot write response", slog.String("error", err.Error()))
	}
}

// httpError maps an error to its HTTP status, error code and client-facing message. It is
// the only mapping of errors to statuses in the gateway.
func httpError(err error) (status int, code, message string) {
	detail := strings.ReplaceAll(err.Error(), "\n", "; ")
	switch {
	case errors.Is(err, errBadRequest), errors.Is(err, order.ErrInvalid), errors.Is(err, product.ErrInvalid):
		return http.StatusBadRequest, "invalid_argument", detail
	case errors.Is(err, order.ErrNotFound), errors.Is(err, product.ErrNotFound):
		return http.StatusNotFound, "not_found", detail
	case errors.Is(err, order.ErrConflict):
		return http.StatusConflict, "conflict", detail
	case errors.Is(err, order.ErrRejected):
		return http.StatusUnprocessableEntity, "failed_precondition", detail
	case errors.Is(err, errRateLimited):
		return http.StatusTooManyRequests, "rate_limited", detail
	case errors.Is(err, app.ErrOverloaded):
		return http.StatusTooManyRequests, "resource_exhausted", "a service behind the gateway is overloaded; retry later"
	case errors.Is(err, app.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable", "a service behind the gateway is unavailable; retry later"
	case errors.Is(err, app.ErrTimeout):
		return http.StatusGatewayTimeout, "deadline_exceeded", "a service behind the gateway did not answer in time"
	case errors.Is(err, context.Canceled):
		// nginx's "client closed request": nobody reads it, but the logs tell it apart.
		return 499, "canceled", "request canceled"
	default:
		return http.StatusInternalServerError, "internal", "internal error"
	}
}

func (s *HTTPServer) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, message := httpError(err)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.logger.Log(r.Context(), level, "request failed",
		slog.Int("http.status", status), slog.String("error.code", code), slog.String("error", err.Error()))
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	s.writeJSON(w, r, status, errorResponse{Error: errorBody{Code: code, Message: message}})
}
