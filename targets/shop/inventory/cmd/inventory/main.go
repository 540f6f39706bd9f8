// Command inventory serves InventoryService over gRPC: stock per SKU, reservations that
// are all-or-nothing and idempotent. Wiring only; see CONVENTIONS.md for the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"faultline.dev/shop/inventory/internal/adapters"
	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/domain/stock"
	"faultline.dev/shop/inventory/internal/ports"
	"faultline.dev/shop/platform/config"
	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/metrics"
	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/server"
	"faultline.dev/shop/platform/tracing"
	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"
)

const service = "inventory"

type settings struct {
	httpAddr, grpcAddr string
	databaseURL        string
	catalog            []*stock.Product
	logLevel           slog.Level
	shutdownTimeout    time.Duration
	startTimeout       time.Duration
	sabotage           *sabotage.Switches
}

// load reads the environment once and reports every problem together.
func load() (settings, error) {
	l := config.NewLoader()
	s := settings{
		httpAddr:        l.String("HTTP_ADDR", ":8080"),
		grpcAddr:        l.String("GRPC_ADDR", ":9090"),
		databaseURL:     l.Required("DATABASE_URL"),
		logLevel:        l.LogLevel("LOG_LEVEL", slog.LevelInfo),
		shutdownTimeout: l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		startTimeout:    l.Duration("START_TIMEOUT", 60*time.Second), // wait this long for the database
	}
	// INVENTORY_SEED: sku:name:price_cents:initial,... seeded at start for SKUs not stored yet.
	// INVENTORY_CURRENCY: the catalogue's currency (default EUR).
	catalog, err := app.ParseCatalog(l.String("INVENTORY_SEED", app.DefaultCatalog), l.String("INVENTORY_CURRENCY", "EUR"))
	if err != nil {
		l.Problem("INVENTORY_SEED", err)
	}
	s.catalog = catalog
	sb, err := sabotage.Parse(l.String(sabotage.EnvVar, ""))
	if err != nil {
		l.Problem(sabotage.EnvVar, err)
	}
	s.sabotage = sb
	return s, l.Err()
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", service, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := load()
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := logging.New(service, cfg.logLevel)
	slog.SetDefault(logger)
	cfg.sabotage.Log(logger)

	shutdownTracing, err := tracing.Setup(ctx, service, tracing.WithSabotage(cfg.sabotage), tracing.WithLogger(logger))
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, cfg.startTimeout)
	defer cancel()
	pool, err := pg.Open(startCtx, cfg.databaseURL, adapters.Migrations, adapters.MigrationsDir)
	if err != nil {
		return errors.Join(err, shutdownTracing(context.Background()))
	}
	repo := adapters.NewStockPostgresRepository(pool)
	application := app.NewApplication(repo)
	if err := application.Commands.SeedCatalog.Handle(startCtx, cfg.catalog); err != nil {
		pool.Close()
		return errors.Join(err, shutdownTracing(context.Background()))
	}
	if cfg.sabotage.On(sabotage.RestartRestocks) {
		logger.Warn("SABOTAGE restart-restocks: every product's stock back to its initial figure")
		if err := repo.RestockAll(startCtx); err != nil {
			pool.Close()
			return errors.Join(err, shutdownTracing(context.Background()))
		}
	}
	cancel()

	h := health.New(logger, pg.HealthCheck(pool)).WithSabotage(cfg.sabotage)
	grpcServer := grpcx.NewServer(logger)
	inventoryv1.RegisterInventoryServiceServer(grpcServer, ports.NewGRPCServer(application, logger))
	grpcx.RegisterHealth(grpcServer, h)

	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	h.Register(mux)
	ports.NewHTTPServer(application, logger).Register(mux)
	metrics.Register(mux, reg)

	logger.Info("inventory starting", slog.Int("products", len(cfg.catalog)))
	return server.Run(ctx, logger, server.Options{
		HTTPAddr:        cfg.httpAddr,
		HTTPHandler:     logging.HTTPMiddleware(logger, mux),
		GRPCAddr:        cfg.grpcAddr,
		GRPCServer:      grpcServer,
		ShutdownTimeout: cfg.shutdownTimeout,
		OnShutdown:      []func(){h.SetShuttingDown},
		Closers: []func(context.Context) error{
			func(context.Context) error { pool.Close(); return nil },
			shutdownTracing,
		},
	})
}
