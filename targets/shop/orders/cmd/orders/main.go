// Command orders serves shop.orders.v1.OrdersService: it places orders, runs each
// order's saga (reserve stock -> charge payment -> confirm, compensating in reverse on
// failure), stores saga progress and the order events in PostgreSQL and relays the
// events to Kafka through a transactional outbox. This file only wires; see README.md
// for the environment variables.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"faultline.dev/shop/platform/breaker"
	"faultline.dev/shop/platform/config"
	"faultline.dev/shop/platform/grpcx"
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/metrics"
	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/server"
	"faultline.dev/shop/platform/tracing"
	ordersv1 "faultline.dev/shop/proto/gen/shop/orders/v1"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/ports"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "orders:", err)
		os.Exit(1)
	}
}

type settings struct {
	httpAddr, grpcAddr, dsn      string
	kafkaBrokers                 []string
	paymentsAddr, inventoryAddr  string
	paymentsTimeout, invTimeout  time.Duration
	paymentsBreaker, invBreaker  breaker.Settings
	logLevel                     slog.Level
	shutdownTimeout              time.Duration
	startupTimeout               time.Duration
	retry                        app.RetryPolicy
	recoveryAfter, recoveryEvery time.Duration
	relay                        app.OutboxRelayConfig
}

func load() (settings, error) {
	l := config.NewLoader()
	s := settings{
		httpAddr:        l.String("HTTP_ADDR", ":8080"),
		grpcAddr:        l.String("GRPC_ADDR", ":9090"),
		dsn:             l.Required("DATABASE_URL"),
		kafkaBrokers:    l.RequiredList("KAFKA_BROKERS"),
		paymentsAddr:    l.Required("PAYMENTS_ADDR"),
		inventoryAddr:   l.Required("INVENTORY_ADDR"),
		paymentsTimeout: l.Duration("PAYMENTS_TIMEOUT", 2*time.Second),
		invTimeout:      l.Duration("INVENTORY_TIMEOUT", 2*time.Second),
		paymentsBreaker: breaker.SettingsFromEnv(l, "PAYMENTS"),
		invBreaker:      breaker.SettingsFromEnv(l, "INVENTORY"),
		logLevel:        l.LogLevel("LOG_LEVEL", slog.LevelInfo),
		shutdownTimeout: l.Duration("SHUTDOWN_TIMEOUT", server.DefaultShutdownTimeout),
		startupTimeout:  l.Duration("STARTUP_TIMEOUT", time.Minute),
		retry: app.RetryPolicy{
			MaxAttempts:    l.Int("SAGA_RETRY_ATTEMPTS", 5),
			InitialBackoff: l.Duration("SAGA_RETRY_INITIAL_BACKOFF", 100*time.Millisecond),
			MaxBackoff:     l.Duration("SAGA_RETRY_MAX_BACKOFF", 2*time.Second),
		},
		recoveryAfter: l.Duration("SAGA_RECOVERY_AFTER", 15*time.Second),
		recoveryEvery: l.Duration("SAGA_RECOVERY_INTERVAL", 5*time.Second),
		relay: app.OutboxRelayConfig{
			BatchSize:      l.Int("OUTBOX_BATCH_SIZE", 100),
			PollInterval:   l.Duration("OUTBOX_POLL_INTERVAL", 500*time.Millisecond),
			PublishTimeout: l.Duration("OUTBOX_PUBLISH_TIMEOUT", 10*time.Second),
		},
	}
	if s.paymentsTimeout <= 0 {
		l.Problem("PAYMENTS_TIMEOUT", errors.New("must be positive"))
	}
	if s.invTimeout <= 0 {
		l.Problem("INVENTORY_TIMEOUT", errors.New("must be positive"))
	}
	if s.startupTimeout <= 0 {
		l.Problem("STARTUP_TIMEOUT", errors.New("must be positive"))
	}
	if s.retry.MaxAttempts < 1 {
		l.Problem("SAGA_RETRY_ATTEMPTS", errors.New("must be at least 1"))
	}
	if s.recoveryEvery <= 0 {
		l.Problem("SAGA_RECOVERY_INTERVAL", errors.New("must be positive"))
	}
	if s.relay.BatchSize < 1 {
		l.Problem("OUTBOX_BATCH_SIZE", errors.New("must be at least 1"))
	}
	return s, l.Err()
}

func run() error {
	cfg, err := load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := logging.New("orders", cfg.logLevel)
	sb, err := sabotage.FromEnv(logger)
	if err != nil {
		return err
	}
	sabotaged := app.Sabotage{
		NoCompensation:   sb.On(sabotage.NoCompensation),
		DualWrite:        sb.On(sabotage.DualWrite),
		RetryStorm:       sb.On(sabotage.RetryStorm),
		RetryOpenBreaker: sb.On(sabotage.RetryOpenBreaker),
	}
	cfg.retry.Storm = sabotaged.RetryStorm

	// Start-up waits for the database, at most STARTUP_TIMEOUT; a signal meanwhile ends it.
	startCtx, stopStart := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stopStart()
	startCtx, cancelStart := context.WithTimeout(startCtx, cfg.startupTimeout)
	defer cancelStart()

	// resources holds what must be released, in the order of creation; they are
	// released in reverse, on a failed start as after a shutdown.
	var resources []func(context.Context) error
	release := func(ctx context.Context) error {
		var errs []error
		for i := len(resources) - 1; i >= 0; i-- {
			errs = append(errs, resources[i](ctx))
		}
		return errors.Join(errs...)
	}
	abort := func(err error) error { return errors.Join(err, release(context.Background())) }

	shutdownTracing, err := tracing.Setup(startCtx, "orders", tracing.WithSabotage(sb), tracing.WithLogger(logger))
	if err != nil {
		return err
	}
	resources = append(resources, shutdownTracing)
	pool, err := pg.Open(startCtx, cfg.dsn, adapters.Migrations, adapters.MigrationsDir)
	if err != nil {
		return abort(err)
	}
	resources = append(resources, func(context.Context) error { pool.Close(); return nil })
	stopStart()
	reg := metrics.NewRegistry()

	// One connection per dependency, shared by every call.
	paymentsConn, err := grpcx.Dial(cfg.paymentsAddr)
	if err != nil {
		return abort(err)
	}
	resources = append(resources, closeConn(paymentsConn))
	inventoryConn, err := grpcx.Dial(cfg.inventoryAddr)
	if err != nil {
		return abort(err)
	}
	resources = append(resources, closeConn(inventoryConn))
	publisher, err := adapters.NewKafkaPublisher(cfg.kafkaBrokers, adapters.OrderEventsTopic, logger)
	if err != nil {
		return abort(err)
	}
	resources = append(resources, publisher.Close)

	calls, err := adapters.NewCallsCounter(reg, "payments", "inventory")
	if err != nil {
		return abort(err)
	}
	payments, err := adapters.NewPaymentGRPCClient(paymentsConn, adapters.CallPolicy{
		Calls: calls, Dependency: "payments",
		Timeout:    cfg.paymentsTimeout,
		Breaker:    breaker.New[struct{}]("payments", cfg.paymentsBreaker, logger, reg),
		NoBreaker:  sb.On(sabotage.NoBreaker),
		NoDeadline: sb.On(sabotage.NoDeadline),
	})
	if err != nil {
		return abort(err)
	}
	inventory, err := adapters.NewInventoryGRPCClient(inventoryConn, adapters.CallPolicy{
		Calls: calls, Dependency: "inventory",
		Timeout:    cfg.invTimeout,
		Breaker:    breaker.New[struct{}]("inventory", cfg.invBreaker, logger, reg),
		NoBreaker:  sb.On(sabotage.NoBreaker),
		NoDeadline: sb.On(sabotage.NoDeadline),
	})
	if err != nil {
		return abort(err)
	}

	repo := adapters.NewOrderPostgresRepository(pool)
	relay := app.NewOutboxRelay(repo, publisher, logger, cfg.relay)
	sagas, err := app.NewSagaRunner(app.SagaRunnerConfig{
		Repository: repo, Inventory: inventory, Payments: payments, Retry: cfg.retry,
		Sabotage: sabotaged, Direct: publisher, Logger: logger, OnEventsStored: relay.Notify,
	})
	if err != nil {
		return abort(err)
	}
	createOrder, err := app.NewCreateOrderHandler(app.CreateOrderConfig{
		Repository: repo, Inventory: inventory, Sagas: sagas, Sabotage: sabotaged,
		Direct: publisher, OnEventsStored: relay.Notify, Logger: logger,
	})
	if err != nil {
		return abort(err)
	}
	recovery := app.NewRecoverSagasHandler(repo, sagas, cfg.recoveryAfter, cfg.recoveryEvery, logger)

	// Readiness: orders can serve when its own database answers. Payments and inventory
	// sit behind breakers and Kafka behind the outbox: their outages degrade orders (sagas
	// are compensated, events wait) but must not make it unready, or one dependency's
	// outage cascades up to every caller (found by the chaos scenario payments-killed).
	h := health.New(logger, pg.HealthCheck(pool)).WithSabotage(sb)
	mux := http.NewServeMux()
	h.Register(mux)
	metrics.Register(mux, reg)

	grpcServer := grpcx.NewServer(logger)
	ordersv1.RegisterOrdersServiceServer(grpcServer, ports.NewGRPCServer(createOrder, app.NewGetOrderHandler(repo), logger))
	grpcx.RegisterHealth(grpcServer, h)

	stopRecovery := background(func(ctx context.Context) { recovery.Run(ctx) })
	stopRelay := background(relay.Run)

	return server.Run(context.Background(), logger, server.Options{
		HTTPAddr:        cfg.httpAddr,
		HTTPHandler:     logging.HTTPMiddleware(logger, mux),
		GRPCAddr:        cfg.grpcAddr,
		GRPCServer:      grpcServer,
		ShutdownTimeout: cfg.shutdownTimeout,
		OnShutdown:      []func(){h.SetShuttingDown},
		// The servers have stopped accepting and drained; now, in order:
		Closers: []func(context.Context) error{
			stopRecovery,
			// let running sagas finish; past the budget they stop after their last
			// stored step and the next process resumes them
			sagas.Shutdown,
			stopRelay,
			// publish what the last sagas wrote, as far as the budget allows
			func(ctx context.Context) error {
				// at most half of what is left, so the closers after it keep their share
				if deadline, ok := ctx.Deadline(); ok {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
					defer cancel()
				}
				if _, err := relay.RelayOnce(ctx); err != nil {
					logger.WarnContext(ctx, "outbox not flushed at shutdown; the next start publishes it", logging.Error(err))
				}
				return nil
			},
			// then Kafka producer, gRPC connections, pool, tracing
			release,
		},
	})
}

// background runs loop until the returned stop function is called, which waits for it.
func background(loop func(context.Context)) func(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	return func(wait context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-wait.Done():
			return fmt.Errorf("background loop did not stop: %w", wait.Err())
		}
	}
}

func closeConn(conn *grpc.ClientConn) func(context.Context) error {
	return func(context.Context) error {
		if err := conn.Close(); err != nil {
			return fmt.Errorf("close grpc connection to %s: %w", conn.Target(), err)
		}
		return nil
	}
}
