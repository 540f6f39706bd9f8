// Command gateway is the shop's public REST/JSON API: it validates requests, rate-limits
// them, gives each a request ID, and calls orders and inventory over gRPC. It owns no data.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"faultline.dev/shop/platform/config"
	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/metrics"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/server"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/gateway/internal/adapters"
	"faultline.dev/shop/gateway/internal/app"
	"faultline.dev/shop/gateway/internal/ports"
)

// settings are read once at start; every problem is reported together.
type settings struct {
	HTTPAddr         string        // HTTP_ADDR: REST API, /healthz, /readyz, /metrics (":8080")
	OrdersAddr       string        // ORDERS_ADDR: host:port of orders' gRPC API (required)
	InventoryAddr    string        // INVENTORY_ADDR: host:port of inventory's gRPC API (required)
	OrdersTimeout    time.Duration // ORDERS_TIMEOUT: deadline of one call to orders, the saga included (10s)
	InventoryTimeout time.Duration // INVENTORY_TIMEOUT: deadline of one call to inventory (2s)
	RateLimit        ports.RateLimit
	ShutdownTimeout  time.Duration // SHUTDOWN_TIMEOUT: drain budget on SIGTERM (10s)
	LogLevel         slog.Level    // LOG_LEVEL: debug, info, warn, error (info)
	Sabotage         string        // SHOP_SABOTAGE: comma list of sabotage switches (empty)
}

func loadSettings() (settings, error) {
	l := config.NewLoader()
	s := settings{
		HTTPAddr:         l.String("HTTP_ADDR", ":8080"),
		OrdersAddr:       l.Required("ORDERS_ADDR"),
		InventoryAddr:    l.Required("INVENTORY_ADDR"),
		OrdersTimeout:    l.Duration("ORDERS_TIMEOUT", 10*time.Second),
		InventoryTimeout: l.Duration("INVENTORY_TIMEOUT", 2*time.Second),
		RateLimit: ports.RateLimit{
			RPS:   l.Float("RATE_LIMIT_RPS", 50),  // requests per second, whole gateway instance
			Burst: l.Int("RATE_LIMIT_BURST", 100), // bucket size
		},
		ShutdownTimeout: l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		LogLevel:        l.LogLevel("LOG_LEVEL", slog.LevelInfo),
		Sabotage:        l.String(sabotage.EnvVar, ""),
	}
	if s.RateLimit.RPS <= 0 {
		l.Problem("RATE_LIMIT_RPS", errors.New("must be positive"))
	}
	if s.RateLimit.Burst < 1 {
		l.Problem("RATE_LIMIT_BURST", errors.New("must be at least 1"))
	}
	if s.OrdersTimeout <= 0 {
		l.Problem("ORDERS_TIMEOUT", errors.New("must be positive"))
	}
	if s.InventoryTimeout <= 0 {
		l.Problem("INVENTORY_TIMEOUT", errors.New("must be positive"))
	}
	if _, err := ports.ParseSabotage(s.Sabotage); err != nil {
		l.Problem(sabotage.EnvVar, err)
	}
	return s, l.Err()
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	s, err := loadSettings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := logging.New("gateway", s.LogLevel)
	sb, err := ports.ParseSabotage(s.Sabotage)
	if err != nil {
		return err
	}
	sb.Log(logger)

	shutdownTracing, err := tracing.Setup(ctx, "gateway", tracing.WithSabotage(sb), tracing.WithLogger(logger))
	if err != nil {
		return err
	}
	ordersConn, err := grpcx.Dial(s.OrdersAddr)
	if err != nil {
		return errors.Join(err, shutdownTracing(ctx))
	}
	inventoryConn, err := grpcx.Dial(s.InventoryAddr)
	if err != nil {
		return errors.Join(err, ordersConn.Close(), shutdownTracing(ctx))
	}

	ordersTimeout := s.OrdersTimeout
	if sb.On(sabotage.SlowGatewayDeadline) {
		// the bug the switch names: a deadline far beyond what any client waits
		ordersTimeout = 5 * time.Minute
	}
	application := app.New(
		adapters.NewOrdersGRPCClient(ordersConn, ordersTimeout),
		adapters.NewInventoryGRPCClient(inventoryConn, s.InventoryTimeout),
	)
	reg := metrics.NewRegistry()
	api, err := ports.NewHTTPServer(application, ports.HTTPOptions{
		Logger: logger, Registry: reg, RateLimit: s.RateLimit, Sabotage: sb,
	})
	if err != nil {
		return errors.Join(err, ordersConn.Close(), inventoryConn.Close(), shutdownTracing(ctx))
	}
	// Readiness: the gateway holds no state of its own; it serves as long as it runs (it
	// answers 503 at once for a dependency that is down). Its dependencies' readiness is
	// theirs: checking it here would make an orders outage take the whole API out of the
	// load balancer, reads of products included (no cascading readiness).
	h := health.New(logger).WithSabotage(sb)

	mux := http.NewServeMux()
	h.Register(mux)
	metrics.Register(mux, reg)
	api.Register(mux)

	logger.Info("gateway starting",
		slog.String("http_addr", s.HTTPAddr), slog.String("orders_addr", s.OrdersAddr),
		slog.String("inventory_addr", s.InventoryAddr),
		slog.Float64("rate_limit_rps", s.RateLimit.RPS), slog.Int("rate_limit_burst", s.RateLimit.Burst),
		slog.Bool("rate_limit_on", !sb.On(sabotage.NoRateLimit)))
	return server.Run(ctx, logger, server.Options{
		HTTPAddr:        s.HTTPAddr,
		HTTPHandler:     ports.NewHandler(mux, logger),
		ShutdownTimeout: s.ShutdownTimeout,
		OnShutdown:      []func(){h.SetShuttingDown},
		Closers: []func(context.Context) error{
			func(context.Context) error { return closeConn("orders", ordersConn.Close()) },
			func(context.Context) error { return closeConn("inventory", inventoryConn.Close()) },
			shutdownTracing,
		},
	})
}

func closeConn(name string, err error) error {
	if err != nil {
		return fmt.Errorf("close %s connection: %w", name, err)
	}
	return nil
}
