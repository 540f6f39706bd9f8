// Package server runs a service's HTTP and gRPC servers until SIGTERM or SIGINT, then
// shuts down gracefully: stop accepting, drain in-flight work within the shutdown budget,
// then run the closers (pools, producers) in order. It does not import gRPC: a gRPC
// server (grpcx.NewServer) is passed in as a GRPCServer.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"faultline.dev/shop/platform/logging"
)

// DefaultShutdownTimeout is the drain budget when Options.ShutdownTimeout is 0.
const DefaultShutdownTimeout = 10 * time.Second

// Options of Run. A server whose address and listener are both empty is not started.
type Options struct {
	HTTPAddr        string
	HTTPHandler     http.Handler
	GRPCAddr        string
	GRPCServer      GRPCServer // nil: no gRPC server
	ShutdownTimeout time.Duration
	// Closers run in order after both servers stopped, within what is left of the budget.
	Closers []func(context.Context) error
	// OnShutdown runs first when shutdown starts (for example Health.SetShuttingDown).
	OnShutdown []func()
	// HTTPListener and GRPCListener, when set, are used instead of the addresses (tests
	// listen on port 0 and read the port back).
	HTTPListener net.Listener
	GRPCListener net.Listener
}

// GRPCServer is what Run needs of a gRPC server; *grpc.Server (grpcx.NewServer) is one.
type GRPCServer interface {
	Serve(net.Listener) error
	GracefulStop()
	Stop()
}

// Run serves until ctx ends or the process gets SIGTERM/SIGINT, then shuts down. It
// returns nil after a clean shutdown, or every error met (a server that failed, a drain
// that ran out of time, a closer that failed).
func Run(ctx context.Context, logger *slog.Logger, o Options) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}

	httpLis, grpcLis, err := listen(o)
	if err != nil {
		return err
	}

	serveErr := make(chan error, 2)
	var httpSrv *http.Server
	if httpLis != nil {
		httpSrv = &http.Server{
			Handler:           o.HTTPHandler,
			ReadHeaderTimeout: 5 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		go func() {
			if err := httpSrv.Serve(httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				serveErr <- fmt.Errorf("http server: %w", err)
			}
		}()
		logger.Info("http server listening", slog.String("addr", httpLis.Addr().String()))
	}
	if grpcLis != nil {
		go func() {
			// Serve returns nil once GracefulStop or Stop ran; an error (grpc.ErrServerStopped
			// included, when stopped before serving) only matters before shutdown starts,
			// and after it nobody reads serveErr any more.
			if err := o.GRPCServer.Serve(grpcLis); err != nil {
				serveErr <- fmt.Errorf("grpc server: %w", err)
			}
		}()
		logger.Info("grpc server listening", slog.String("addr", grpcLis.Addr().String()))
	}

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", slog.String("cause", context.Cause(ctx).Error()))
	case runErr = <-serveErr:
		logger.Error("server failed, shutting down", logging.Error(runErr))
	}
	stop() // a second signal now kills the process the default way

	for _, f := range o.OnShutdown {
		f()
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.ShutdownTimeout)
	defer cancel()
	errs := []error{runErr}
	errs = append(errs, drain(shutdownCtx, httpSrv, o.GRPCServer, grpcLis != nil)...)
	for i, closer := range o.Closers {
		if err := closer(shutdownCtx); err != nil {
			errs = append(errs, fmt.Errorf("closer %d: %w", i, err))
		}
	}
	err = errors.Join(errs...)
	if err == nil {
		logger.Info("shutdown complete")
	}
	return err
}

func listen(o Options) (httpLis, grpcLis net.Listener, err error) {
	httpLis = o.HTTPListener
	if httpLis == nil && o.HTTPAddr != "" {
		if httpLis, err = net.Listen("tcp", o.HTTPAddr); err != nil {
			return nil, nil, fmt.Errorf("listen http %s: %w", o.HTTPAddr, err)
		}
	}
	if o.GRPCServer == nil {
		return httpLis, nil, nil
	}
	grpcLis = o.GRPCListener
	if grpcLis == nil && o.GRPCAddr != "" {
		if grpcLis, err = net.Listen("tcp", o.GRPCAddr); err != nil {
			if httpLis != nil {
				err = errors.Join(err, httpLis.Close())
			}
			return nil, nil, fmt.Errorf("listen grpc %s: %w", o.GRPCAddr, err)
		}
	}
	return httpLis, grpcLis, nil
}

// drain stops both servers concurrently: no new connections or calls, in-flight ones may
// finish until ctx ends, after which the gRPC server is stopped hard.
func drain(ctx context.Context, httpSrv *http.Server, grpcSrv GRPCServer, grpcRunning bool) []error {
	errCh := make(chan error, 2)
	n := 0
	if httpSrv != nil {
		n++
		go func() {
			if err := httpSrv.Shutdown(ctx); err != nil {
				errCh <- fmt.Errorf("http drain: %w", err)
				return
			}
			errCh <- nil
		}()
	}
	if grpcRunning {
		n++
		go func() {
			done := make(chan struct{})
			go func() {
				grpcSrv.GracefulStop()
				close(done)
			}()
			select {
			case <-done:
				errCh <- nil
			case <-ctx.Done():
				grpcSrv.Stop()
				<-done
				errCh <- fmt.Errorf("grpc drain: in-flight calls cut: %w", ctx.Err())
			}
		}()
	}
	var errs []error
	for range n {
		if err := <-errCh; err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
