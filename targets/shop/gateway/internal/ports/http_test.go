package ports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/tracing"
	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"
	ordersv1 "faultline.dev/shop/proto/gen/shop/orders/v1"

	"faultline.dev/shop/gateway/internal/adapters"
	"faultline.dev/shop/gateway/internal/app"
	"faultline.dev/shop/gateway/internal/ports"
)

// --- fake orders and inventory gRPC servers ---

type fakeOrders struct {
	ordersv1.UnimplementedOrdersServiceServer
	mu         sync.Mutex
	creates    []*ordersv1.CreateOrderRequest
	requestIDs []string
	traceIDs   []string
	create     func(context.Context, *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error)
	get        func(context.Context, *ordersv1.GetOrderRequest) (*ordersv1.GetOrderResponse, error)
}

func (f *fakeOrders) record(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requestIDs = append(f.requestIDs, strings.Join(md.Get(logging.RequestIDKey), ","))
	f.traceIDs = append(f.traceIDs, trace.SpanContextFromContext(ctx).TraceID().String())
}

func (f *fakeOrders) seenTraceIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.traceIDs...)
}

func (f *fakeOrders) CreateOrder(ctx context.Context, req *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error) {
	f.record(ctx)
	f.mu.Lock()
	f.creates = append(f.creates, req)
	f.mu.Unlock()
	if f.create != nil {
		return f.create(ctx, req)
	}
	return &ordersv1.CreateOrderResponse{Order: confirmedOrder(req)}, nil
}

func (f *fakeOrders) GetOrder(ctx context.Context, req *ordersv1.GetOrderRequest) (*ordersv1.GetOrderResponse, error) {
	f.record(ctx)
	if f.get != nil {
		return f.get(ctx, req)
	}
	return nil, status.Errorf(codes.NotFound, "order %s not found", req.GetId())
}

func (f *fakeOrders) seenRequestIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requestIDs...)
}

func (f *fakeOrders) seenCreates() []*ordersv1.CreateOrderRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ordersv1.CreateOrderRequest(nil), f.creates...)
}

var created = time.Date(2026, 11, 25, 2, 16, 27, 0, time.UTC)

func confirmedOrder(req *ordersv1.CreateOrderRequest) *ordersv1.Order {
	lines := make([]*ordersv1.OrderLine, len(req.GetLines()))
	var total int64
	for i, l := range req.GetLines() {
		lines[i] = &ordersv1.OrderLine{Sku: l.GetSku(), Quantity: l.GetQuantity(), UnitPriceCents: 2500}
		total += 2500 * int64(l.GetQuantity())
	}
	return &ordersv1.Order{
		Id: "order-1", CustomerId: req.GetCustomerId(), Currency: req.GetCurrency(), Lines: lines,
		TotalCents: total, Status: ordersv1.OrderStatus_ORDER_STATUS_CONFIRMED,
		CreatedAt: timestamppb.New(created), UpdatedAt: timestamppb.New(created.Add(time.Second)),
	}
}

type fakeInventory struct {
	inventoryv1.UnimplementedInventoryServiceServer
	products map[string]*inventoryv1.Product
}

func (f *fakeInventory) GetProduct(_ context.Context, req *inventoryv1.GetProductRequest) (*inventoryv1.GetProductResponse, error) {
	p, ok := f.products[req.GetSku()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "sku %s not found", req.GetSku())
	}
	return &inventoryv1.GetProductResponse{Product: p}, nil
}

func (f *fakeInventory) ListProducts(context.Context, *inventoryv1.ListProductsRequest) (*inventoryv1.ListProductsResponse, error) {
	return &inventoryv1.ListProductsResponse{Products: []*inventoryv1.Product{f.products["SKU-1"], f.products["SKU-2"]}}, nil
}

// --- the gateway under test, wired as cmd/gateway wires it ---

func TestMain(m *testing.M) {
	// Spans exist (and so trace IDs in logs and in calls) only with a tracer provider.
	shutdown, err := tracing.Setup(context.Background(), "gateway-test",
		tracing.WithSpanExporter(tracetest.NewInMemoryExporter()),
		tracing.WithLogger(logging.NewWriter(io.Discard, "gateway-test", nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracing setup:", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := shutdown(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "tracing shutdown:", err)
		code = 1
	}
	os.Exit(code)
}

type gateway struct {
	url       string
	orders    *fakeOrders
	inventory *fakeInventory
	logs      *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

type gatewayOptions struct {
	rateLimit     ports.RateLimit
	sabotage      *sabotage.Switches
	ordersTimeout time.Duration
}

func startGateway(t *testing.T, o gatewayOptions) *gateway {
	t.Helper()
	if o.rateLimit == (ports.RateLimit{}) {
		o.rateLimit = ports.RateLimit{RPS: 1000, Burst: 1000}
	}
	if o.ordersTimeout == 0 {
		o.ordersTimeout = 2 * time.Second
	}
	g := &gateway{
		orders: &fakeOrders{},
		inventory: &fakeInventory{products: map[string]*inventoryv1.Product{
			"SKU-1": {Sku: "SKU-1", Name: "Mug", PriceCents: 2500, Currency: "EUR", Available: 7, Reserved: 3, Initial: 10},
			"SKU-2": {Sku: "SKU-2", Name: "Tea", PriceCents: 900, Currency: "EUR", Available: 5, Reserved: 0, Initial: 5},
		}},
		logs: &syncBuffer{},
	}
	lis := bufconn.Listen(1 << 20)
	// The fake services run on the platform's server: its otelgrpc handler continues the
	// trace the gateway sends.
	srv := grpcx.NewServer(logging.NewWriter(io.Discard, "fake", nil))
	ordersv1.RegisterOrdersServiceServer(srv, g.orders)
	inventoryv1.RegisterInventoryServiceServer(srv, g.inventory)
	go func() {
		if err := srv.Serve(lis); err != nil {
			t.Errorf("fake grpc server: %v", err)
		}
	}()
	t.Cleanup(srv.Stop)

	conn, err := grpcx.Dial("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close conn: %v", err)
		}
	})

	logger := logging.NewWriter(g.logs, "gateway", nil)
	api, err := ports.NewHTTPServer(
		app.New(adapters.NewOrdersGRPCClient(conn, o.ordersTimeout), adapters.NewInventoryGRPCClient(conn, time.Second)),
		ports.HTTPOptions{Logger: logger, RateLimit: o.rateLimit, Sabotage: o.sabotage},
	)
	if err != nil {
		t.Fatalf("NewHTTPServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	api.Register(mux)
	hs := httptest.NewServer(ports.NewHandler(mux, logger))
	t.Cleanup(hs.Close)
	g.url = hs.URL
	return g
}

type response struct {
	code   int
	header http.Header
	body   map[string]any
}

func (g *gateway) do(t *testing.T, method, path, body string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, g.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() {
		if err := resp.Body.Close(); err != nil {
			t.Errorf("close body: %v", err)
		}
	}()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	out := response{code: resp.StatusCode, header: resp.Header}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %q", method, path, raw)
		}
	}
	return out
}

func errorCode(t *testing.T, r response) string {
	t.Helper()
	e, ok := r.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("body %v has no error object", r.body)
	}
	if msg, _ := e["message"].(string); msg == "" {
		t.Fatalf("error %v has no message", e)
	}
	code, _ := e["code"].(string)
	return code
}

const validOrder = `{"customer_id":"c-1","currency":"eur","lines":[{"sku":"SKU-1","quantity":2}]}`

// --- routes ---

func TestHTTP_placeOrder_confirmed_returns201WithOrderJSON(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "POST", "/v1/orders", validOrder, map[string]string{"Idempotency-Key": "key-1"})

	if r.code != http.StatusCreated {
		t.Fatalf("status %d, want 201; body %v", r.code, r.body)
	}
	if loc := r.header.Get("Location"); loc != "/v1/orders/order-1" {
		t.Errorf("Location = %q", loc)
	}
	want := map[string]any{
		"id": "order-1", "customer_id": "c-1", "currency": "EUR", "status": "confirmed",
		"total_cents": 5000.0, "cancellation_reason": "",
		"created_at": "2026-11-25T02:16:27Z", "updated_at": "2026-11-25T02:16:28Z",
	}
	for k, v := range want {
		if r.body[k] != v {
			t.Errorf("%s = %v, want %v", k, r.body[k], v)
		}
	}
	lines, _ := r.body["lines"].([]any)
	if len(lines) != 1 {
		t.Fatalf("lines = %v", r.body["lines"])
	}
	if l := lines[0].(map[string]any); l["sku"] != "SKU-1" || l["quantity"] != 2.0 || l["unit_price_cents"] != 2500.0 {
		t.Errorf("line = %v", l)
	}

	creates := g.orders.seenCreates()
	if len(creates) != 1 {
		t.Fatalf("orders got %d CreateOrder calls, want 1", len(creates))
	}
	c := creates[0]
	if c.GetIdempotencyKey() != "key-1" || c.GetCustomerId() != "c-1" || c.GetCurrency() != "EUR" ||
		len(c.GetLines()) != 1 || c.GetLines()[0].GetSku() != "SKU-1" || c.GetLines()[0].GetQuantity() != 2 {
		t.Errorf("CreateOrder request = %v", c)
	}
}

func TestHTTP_placeOrder_withoutIdempotencyKey_sendsAFreshKeyPerRequest(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	for i := 0; i < 2; i++ {
		if r := g.do(t, "POST", "/v1/orders", validOrder, nil); r.code != http.StatusCreated {
			t.Fatalf("status %d, want 201; body %v", r.code, r.body)
		}
	}
	creates := g.orders.seenCreates()
	if len(creates) != 2 {
		t.Fatalf("orders got %d CreateOrder calls, want 2", len(creates))
	}
	k1, k2 := creates[0].GetIdempotencyKey(), creates[1].GetIdempotencyKey()
	if k1 == "" || k2 == "" || k1 == k2 {
		t.Errorf("idempotency keys %q and %q: want two distinct non-empty keys", k1, k2)
	}
}

func TestHTTP_placeOrder_stillPending_returns202(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	g.orders.create = func(_ context.Context, req *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error) {
		o := confirmedOrder(req)
		o.Status = ordersv1.OrderStatus_ORDER_STATUS_PENDING
		return &ordersv1.CreateOrderResponse{Order: o}, nil
	}
	r := g.do(t, "POST", "/v1/orders", validOrder, nil)
	if r.code != http.StatusAccepted || r.body["status"] != "pending" {
		t.Fatalf("status %d, body %v; want 202 with a pending order", r.code, r.body)
	}
}

func TestHTTP_placeOrder_invalidRequest_returns400WithoutCallingOrders(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	for name, body := range map[string]string{
		"malformed JSON":    `{"customer_id":`,
		"unknown field":     `{"customer_id":"c-1","currency":"EUR","lines":[{"sku":"SKU-1","quantity":1}],"coupon":"x"}`,
		"no lines":          `{"customer_id":"c-1","currency":"EUR","lines":[]}`,
		"zero quantity":     `{"customer_id":"c-1","currency":"EUR","lines":[{"sku":"SKU-1","quantity":0}]}`,
		"bad currency":      `{"customer_id":"c-1","currency":"EURO","lines":[{"sku":"SKU-1","quantity":1}]}`,
		"missing customer":  `{"currency":"EUR","lines":[{"sku":"SKU-1","quantity":1}]}`,
		"two JSON values":   validOrder + validOrder,
		"quantity overflow": `{"customer_id":"c-1","currency":"EUR","lines":[{"sku":"SKU-1","quantity":99999999999}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := g.do(t, "POST", "/v1/orders", body, nil)
			if r.code != http.StatusBadRequest || errorCode(t, r) != "invalid_argument" {
				t.Fatalf("status %d, body %v; want 400 invalid_argument", r.code, r.body)
			}
		})
	}
	if n := len(g.orders.seenCreates()); n != 0 {
		t.Fatalf("orders got %d CreateOrder calls for invalid requests, want 0", n)
	}
}

func TestHTTP_getOrder_known_returnsOrder(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	g.orders.get = func(_ context.Context, req *ordersv1.GetOrderRequest) (*ordersv1.GetOrderResponse, error) {
		o := confirmedOrder(&ordersv1.CreateOrderRequest{CustomerId: "c-9", Currency: "EUR",
			Lines: []*ordersv1.OrderLine{{Sku: "SKU-2", Quantity: 1}}})
		o.Id, o.Status, o.CancellationReason = req.GetId(), ordersv1.OrderStatus_ORDER_STATUS_CANCELLED, "payment declined"
		return &ordersv1.GetOrderResponse{Order: o}, nil
	}
	r := g.do(t, "GET", "/v1/orders/abc", "", nil)
	if r.code != http.StatusOK || r.body["id"] != "abc" || r.body["status"] != "cancelled" || r.body["cancellation_reason"] != "payment declined" {
		t.Fatalf("status %d, body %v", r.code, r.body)
	}
}

func TestHTTP_getOrder_unknown_returns404JSON(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "GET", "/v1/orders/nope", "", nil)
	if r.code != http.StatusNotFound || errorCode(t, r) != "not_found" {
		t.Fatalf("status %d, body %v; want 404 not_found", r.code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestHTTP_getProduct_returnsPublicFields(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "GET", "/v1/products/SKU-1", "", nil)
	want := map[string]any{"sku": "SKU-1", "name": "Mug", "price_cents": 2500.0, "currency": "EUR", "available": 7.0}
	if r.code != http.StatusOK || len(r.body) != len(want) {
		t.Fatalf("status %d, body %v; want 200 with %v", r.code, r.body, want)
	}
	for k, v := range want {
		if r.body[k] != v {
			t.Errorf("%s = %v, want %v", k, r.body[k], v)
		}
	}
	if r := g.do(t, "GET", "/v1/products/SKU-404", "", nil); r.code != http.StatusNotFound || errorCode(t, r) != "not_found" {
		t.Fatalf("unknown sku: status %d, body %v; want 404", r.code, r.body)
	}
}

func TestHTTP_listProducts_returnsStockCounters(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "GET", "/v1/products", "", nil)
	ps, _ := r.body["products"].([]any)
	if r.code != http.StatusOK || len(ps) != 2 {
		t.Fatalf("status %d, body %v", r.code, r.body)
	}
	p := ps[0].(map[string]any)
	if p["sku"] != "SKU-1" || p["available"] != 7.0 || p["reserved"] != 3.0 || p["initial"] != 10.0 {
		t.Fatalf("product = %v", p)
	}
}

// --- error mapping ---

func TestHTTP_grpcErrors_mapToHTTPStatuses(t *testing.T) {
	for _, tc := range []struct {
		code       codes.Code
		wantStatus int
		wantCode   string
	}{
		{codes.InvalidArgument, http.StatusBadRequest, "invalid_argument"},
		{codes.NotFound, http.StatusNotFound, "not_found"},
		{codes.AlreadyExists, http.StatusConflict, "conflict"},
		{codes.Aborted, http.StatusConflict, "conflict"},
		{codes.FailedPrecondition, http.StatusUnprocessableEntity, "failed_precondition"},
		{codes.ResourceExhausted, http.StatusTooManyRequests, "resource_exhausted"},
		{codes.Unavailable, http.StatusServiceUnavailable, "unavailable"},
		{codes.DeadlineExceeded, http.StatusGatewayTimeout, "deadline_exceeded"},
		{codes.Internal, http.StatusInternalServerError, "internal"},
		{codes.Unknown, http.StatusInternalServerError, "internal"},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			g := startGateway(t, gatewayOptions{})
			g.orders.create = func(context.Context, *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error) {
				return nil, status.Error(tc.code, "from orders")
			}
			r := g.do(t, "POST", "/v1/orders", validOrder, nil)
			if r.code != tc.wantStatus || errorCode(t, r) != tc.wantCode {
				t.Fatalf("status %d, body %v; want %d %s", r.code, r.body, tc.wantStatus, tc.wantCode)
			}
			if tc.wantStatus == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
		})
	}
}

func TestHTTP_slowOrders_returns504AfterTheCallDeadline(t *testing.T) {
	g := startGateway(t, gatewayOptions{ordersTimeout: 100 * time.Millisecond})
	g.orders.create = func(ctx context.Context, _ *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error) {
		<-ctx.Done() // the gateway's deadline reaches the server
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	start := time.Now()
	r := g.do(t, "POST", "/v1/orders", validOrder, nil)
	if r.code != http.StatusGatewayTimeout || errorCode(t, r) != "deadline_exceeded" {
		t.Fatalf("status %d, body %v; want 504", r.code, r.body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v; the 100ms deadline was not applied", took)
	}
}

// --- rate limit ---

func TestHTTP_rateLimit_exhaustedBurst_returns429WithRetryAfter(t *testing.T) {
	g := startGateway(t, gatewayOptions{rateLimit: ports.RateLimit{RPS: 0.5, Burst: 2}})
	for i := range 2 {
		if r := g.do(t, "GET", "/v1/products/SKU-1", "", nil); r.code != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d", i+1, r.code)
		}
	}
	r := g.do(t, "GET", "/v1/products/SKU-1", "", nil)
	if r.code != http.StatusTooManyRequests || errorCode(t, r) != "rate_limited" {
		t.Fatalf("third request: status %d, body %v; want 429 rate_limited", r.code, r.body)
	}
	// One token every 2s: the client is told to come back in 1 or 2 seconds.
	if ra := r.header.Get("Retry-After"); ra != "1" && ra != "2" {
		t.Fatalf("Retry-After = %q, want 1 or 2", ra)
	}
	// Probes are never rate-limited.
	if r := g.do(t, "GET", "/healthz", "", nil); r.code != http.StatusOK {
		t.Fatalf("/healthz while limited: status %d", r.code)
	}
}

func TestHTTP_noRateLimitSabotage_neverReturns429(t *testing.T) {
	g := startGateway(t, gatewayOptions{
		rateLimit: ports.RateLimit{RPS: 0.5, Burst: 2},
		sabotage:  sabotage.New(sabotage.NoRateLimit),
	})
	for i := range 20 {
		if r := g.do(t, "GET", "/v1/products/SKU-1", "", nil); r.code != http.StatusOK {
			t.Fatalf("request %d with the limiter off: status %d, want 200", i+1, r.code)
		}
	}
}

// --- request IDs ---

func TestHTTP_requestID_fromClient_isEchoedAndSentToOrders(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "GET", "/v1/orders/x", "", map[string]string{"X-Request-ID": "req-123"})
	if got := r.header.Get("X-Request-Id"); got != "req-123" {
		t.Fatalf("response X-Request-Id = %q, want req-123", got)
	}
	if ids := g.orders.seenRequestIDs(); len(ids) != 1 || ids[0] != "req-123" {
		t.Fatalf("orders saw x-request-id %q, want [req-123]", ids)
	}
	var lines int
	for _, l := range g.logs.lines(t) {
		lines++
		if l["request_id"] != "req-123" {
			t.Errorf("log line without the request id: %v", l)
		}
	}
	if lines == 0 {
		t.Fatal("the request logged nothing")
	}
}

func TestHTTP_requestID_missing_isGeneratedEchoedAndSent(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	r := g.do(t, "POST", "/v1/orders", validOrder, nil)
	id := r.header.Get("X-Request-Id")
	if len(id) < 16 {
		t.Fatalf("response X-Request-Id = %q, want a generated ID", id)
	}
	if ids := g.orders.seenRequestIDs(); len(ids) != 1 || ids[0] != id {
		t.Fatalf("orders saw x-request-id %q, want [%s]", ids, id)
	}
	for _, l := range g.logs.lines(t) {
		if l["request_id"] != id || l["trace_id"] == nil {
			t.Errorf("log line without request id %s and trace id: %v", id, l)
		}
	}
}

// --- tracing ---

func TestHTTP_traceContext_continuesFromClientToOrders(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	g.do(t, "GET", "/v1/orders/x", "", map[string]string{"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01"})
	if ids := g.orders.seenTraceIDs(); len(ids) != 1 || ids[0] != traceID {
		t.Fatalf("orders saw trace %q, want [%s]", ids, traceID)
	}
	for _, l := range g.logs.lines(t) {
		if l["trace_id"] != traceID {
			t.Errorf("log line outside the client's trace: %v", l)
		}
	}
}

// --- breaking-change sabotage ---

func TestHTTP_breakingChangeSabotage_renamesStatusToState(t *testing.T) {
	sb, err := ports.ParseSabotage("breaking-change")
	if err != nil {
		t.Fatalf("ParseSabotage: %v", err)
	}
	g := startGateway(t, gatewayOptions{sabotage: sb})
	r := g.do(t, "POST", "/v1/orders", validOrder, nil)
	if r.code != http.StatusCreated {
		t.Fatalf("status %d, body %v", r.code, r.body)
	}
	if _, ok := r.body["status"]; ok {
		t.Errorf("status field still sent: %v", r.body)
	}
	if r.body["state"] != "confirmed" {
		t.Errorf("state = %v, want confirmed", r.body["state"])
	}

	// And without the switch the contract holds.
	g = startGateway(t, gatewayOptions{})
	r = g.do(t, "POST", "/v1/orders", validOrder, nil)
	if _, ok := r.body["state"]; ok || r.body["status"] != "confirmed" {
		t.Errorf("without sabotage: body %v, want status and no state", r.body)
	}
}

func TestParseSabotage_mixesGatewayAndPlatformSwitches(t *testing.T) {
	sb, err := ports.ParseSabotage(" no-rate-limit , breaking-change")
	if err != nil {
		t.Fatalf("ParseSabotage: %v", err)
	}
	if !sb.On(sabotage.NoRateLimit) || !sb.On(ports.BreakingChange) || sb.On(sabotage.DuplicateDelivery) {
		t.Fatalf("switches on = %v", sb.List())
	}
	if _, err := ports.ParseSabotage("breaking-change,no-such-switch"); err == nil || !strings.Contains(err.Error(), "no-such-switch") {
		t.Fatalf("err = %v, want the unknown switch named", err)
	}
}
