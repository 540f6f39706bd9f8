// Command notifications consumes order events from Kafka and tells customers about their
// orders, once per event, whatever Kafka redelivers. It owns its PostgreSQL database and
// serves GET /v1/notifications?order_id= and GET /v1/stats.
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
	"faultline.dev/shop/platform/health"
	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/metrics"
	"faultline.dev/shop/platform/pg"
	"faultline.dev/shop/platform/sabotage"
	"faultline.dev/shop/platform/server"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/notifications/internal/adapters"
	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/ports"
)

// settings are read once at start; every problem is reported together.
type settings struct {
	HTTPAddr         string        // HTTP_ADDR: REST API, /healthz, /readyz, /metrics (":8080")
	DatabaseURL      string        // DATABASE_URL: PostgreSQL DSN (required)
	DBConnectTimeout time.Duration // DB_CONNECT_TIMEOUT: how long to wait for the database at start (30s)
	KafkaBrokers     []string      // KAFKA_BROKERS: comma list of host:port (required)
	KafkaTopic       string        // KAFKA_TOPIC: order events topic ("shop.orders.events")
	KafkaGroup       string        // KAFKA_GROUP: consumer group ("notifications")
	KafkaSession     time.Duration // KAFKA_SESSION_TIMEOUT: group session timeout, how long a crashed member holds its partitions (10s)
	ShutdownTimeout  time.Duration // SHUTDOWN_TIMEOUT: drain budget on SIGTERM (10s)
	LogLevel         slog.Level    // LOG_LEVEL: debug, info, warn, error (info)
}

func loadSettings() (settings, error) {
	l := config.NewLoader()
	s := settings{
		HTTPAddr:         l.String("HTTP_ADDR", ":8080"),
		DatabaseURL:      l.Required("DATABASE_URL"),
		DBConnectTimeout: l.Duration("DB_CONNECT_TIMEOUT", 30*time.Second),
		KafkaBrokers:     l.RequiredList("KAFKA_BROKERS"),
		KafkaTopic:       l.String("KAFKA_TOPIC", ports.DefaultTopic),
		KafkaGroup:       l.String("KAFKA_GROUP", ports.DefaultGroup),
		KafkaSession:     l.Duration("KAFKA_SESSION_TIMEOUT", ports.DefaultSessionTimeout),
		ShutdownTimeout:  l.Duration("SHUTDOWN_TIMEOUT", 10*time.Second),
		LogLevel:         l.LogLevel("LOG_LEVEL", slog.LevelInfo),
	}
	if _, err := sabotage.Parse(os.Getenv(sabotage.EnvVar)); err != nil {
		l.Problem(sabotage.EnvVar, err)
	}
	return s, l.Err()
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "notifications:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	s, err := loadSettings()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := logging.New("notifications", s.LogLevel)
	sb, err := sabotage.FromEnv(logger)
	if err != nil {
		return err
	}

	shutdownTracing, err := tracing.Setup(ctx, "notifications", tracing.WithSabotage(sb), tracing.WithLogger(logger))
	if err != nil {
		return err
	}
	openCtx, cancelOpen := context.WithTimeout(ctx, s.DBConnectTimeout)
	pool, err := pg.Open(openCtx, s.DatabaseURL, adapters.Migrations, adapters.MigrationsDir)
	cancelOpen()
	if err != nil {
		return errors.Join(err, shutdownTracing(ctx))
	}
	repo := adapters.NewPostgresRepository(pool)

	var handleOpts []app.HandleOrderEventOption
	if sb.On(sabotage.DuplicateDelivery) {
		handleOpts = append(handleOpts, app.WithoutDedupe())
	}
	application := app.Application{
		Commands: app.Commands{HandleOrderEvent: app.NewHandleOrderEventHandler(repo, handleOpts...)},
		Queries: app.Queries{
			ListNotifications: app.NewListNotificationsHandler(repo),
			Stats:             app.NewStatsHandler(repo),
		},
	}

	reg := metrics.NewRegistry()
	consumer, err := ports.NewKafkaConsumer(ports.KafkaConsumerConfig{
		Brokers: s.KafkaBrokers, Topic: s.KafkaTopic, Group: s.KafkaGroup, SessionTimeout: s.KafkaSession,
		DropOnStoreError: sb.On(sabotage.DropOnStoreError),
	}, application.Commands.HandleOrderEvent, logger, reg)
	if err != nil {
		pool.Close()
		return errors.Join(err, shutdownTracing(ctx))
	}
	h := health.New(logger,
		pg.HealthCheck(pool),
		health.Check{Name: "kafka", Fn: consumer.Ping},
	).WithSabotage(sb)

	mux := http.NewServeMux()
	h.Register(mux)
	metrics.Register(mux, reg)
	ports.NewHTTPServer(application, logger).Register(mux)

	// A consumer that fails stops the service (and so the container restarts).
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	consumerErr := make(chan error, 1)
	go func() {
		err := consumer.Run()
		if err != nil {
			cancel(err)
		}
		consumerErr <- err
	}()

	logger.Info("notifications starting", slog.String("http_addr", s.HTTPAddr),
		slog.String("topic", s.KafkaTopic), slog.String("group", s.KafkaGroup),
		slog.Bool("dedupe", !sb.On(sabotage.DuplicateDelivery)))
	err = server.Run(ctx, logger, server.Options{
		HTTPAddr:        s.HTTPAddr,
		HTTPHandler:     ports.NewHandler(mux, logger),
		ShutdownTimeout: s.ShutdownTimeout,
		OnShutdown:      []func(){h.SetShuttingDown},
		Closers: []func(context.Context) error{
			// Stop polling, finish the delivery in flight, commit, leave the group.
			consumer.Stop,
			func(context.Context) error { pool.Close(); return nil },
			shutdownTracing,
		},
	})
	return errors.Join(err, <-consumerErr)
}
