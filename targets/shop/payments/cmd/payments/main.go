// Command payments serves PaymentsService over gRPC: idempotent charges and refunds.
// Wiring only; see CONVENTIONS.md for the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"

	"faultline.dev/shop/payments/internal/adapters"
	"faultline.dev/shop/payments/internal/app"
	"faultline.dev/shop/payments/internal/domain/payment"
	"faultline.dev/shop/payments/internal/ports"
	"faultline.dev/shop/platform/config"
	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/metrics"
	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/server"
	"faultline.dev/shop/platform/tracing"
	paymentsv1 "faultline.dev/shop/proto/gen/shop/payments/v1"
)

const service = "payments"

type settings struct {
	httpAddr, grpcAddr string
	databaseURL        string
	declineAboveCents  int64
	logLevel           slog.Level
	shutdownTimeout    time.Duration
	startTimeout       time.Duration
	sabotage           *sabotage.Switches
}

// load reads the environment once and reports every problem together.
func load() (settings, error) {
	l := config.NewLoader()
	s := settings{
		httpAddr:          l.String("HTTP_ADDR", ":8080"),
		grpcAddr:          l.String("GRPC_ADDR", ":9090"),
		databaseURL:       l.Required("DATABASE_URL"),
		declineAboveCents: l.Int64("PAYMENTS_DECLINE_ABOVE_CENTS", 100000), // charges above it are declined
		logLevel:          l.LogLevel("LOG_LEVEL", slog.LevelInfo),
		shutdownTimeout:   l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		startTimeout:      l.Duration("START_TIMEOUT", 60*time.Second), // wait this long for the database
	}
	if s.declineAboveCents < 0 {
		l.Problem("PAYMENTS_DECLINE_ABOVE_CENTS", errors.New("must not be negative"))
	}
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
	pool, err := pg.Open(startCtx, cfg.databaseURL, adapters.Migrations, adapters.MigrationsDir)
	cancel()
	if err != nil {
		return errors.Join(err, shutdownTracing(context.Background()))
	}

	application := app.NewApplication(
		adapters.NewPaymentPostgresRepository(pool),
		payment.DeclinePolicy{AboveCents: cfg.declineAboveCents},
		uuid.NewString,
	)

	h := health.New(logger, pg.HealthCheck(pool)).WithSabotage(cfg.sabotage)
	grpcServer := grpcx.NewServer(logger)
	paymentsv1.RegisterPaymentsServiceServer(grpcServer, ports.NewGRPCServer(application, logger))
	grpcx.RegisterHealth(grpcServer, h)

	reg := metrics.NewRegistry()
	mux := http.NewServeMux()
	h.Register(mux)
	metrics.Register(mux, reg)

	logger.Info("payments starting", slog.Int64("decline_above_cents", cfg.declineAboveCents))
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
