package adapters_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"faultline.dev/shop/platform/breaker"
	"faultline.dev/shop/platform/metrics"
	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"
	paymentsv1 "faultline.dev/shop/proto/gen/shop/payments/v1"

	"faultline.dev/shop/orders/internal/adapters"
	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

type inventoryServer struct {
	inventoryv1.UnimplementedInventoryServiceServer
	calls   atomic.Int64
	reserve func(ctx context.Context) error
}

func (s *inventoryServer) GetProduct(_ context.Context, req *inventoryv1.GetProductRequest) (*inventoryv1.GetProductResponse, error) {
	if req.GetSku() != "SKU-1" {
		return nil, status.Error(codes.NotFound, "no such product")
	}
	return &inventoryv1.GetProductResponse{Product: &inventoryv1.Product{Sku: "SKU-1", PriceCents: 2500, Currency: "EUR"}}, nil
}

func (s *inventoryServer) Reserve(ctx context.Context, _ *inventoryv1.ReserveRequest) (*inventoryv1.ReserveResponse, error) {
	s.calls.Add(1)
	if err := s.reserve(ctx); err != nil {
		return nil, err
	}
	return &inventoryv1.ReserveResponse{}, nil
}

type paymentsServer struct {
	paymentsv1.UnimplementedPaymentsServiceServer
}

func (paymentsServer) Charge(_ context.Context, req *paymentsv1.ChargeRequest) (*paymentsv1.ChargeResponse, error) {
	if req.GetAmountCents() > 10000 {
		return nil, status.Error(codes.FailedPrecondition, "amount above limit")
	}
	return &paymentsv1.ChargeResponse{Payment: &paymentsv1.Payment{Id: "pay-" + req.GetOrderId()}}, nil
}

// dial serves register on an in-memory listener and returns a client connection to it.
func dial(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	register(srv)
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("serve: %v", err)
		}
	}()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close conn: %v", err)
		}
		srv.Stop()
	})
	return conn
}

func policy(name string, timeout time.Duration, noBreaker, noDeadline bool) adapters.CallPolicy {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	return adapters.CallPolicy{
		Timeout:    timeout,
		Breaker:    breaker.New[struct{}](name, breaker.Settings{MaxFailures: 3, OpenTimeout: time.Minute, HalfOpenRequests: 1}, logger, metrics.NewRegistry()),
		NoBreaker:  noBreaker,
		NoDeadline: noDeadline,
	}
}

func TestGRPCClients_translateRefusalsToDomainErrors(t *testing.T) {
	inv := &inventoryServer{reserve: func(context.Context) error {
		return status.Error(codes.FailedPrecondition, "SKU-1: 0 available")
	}}
	invClient, err := adapters.NewInventoryGRPCClient(dial(t, func(s *grpc.Server) { inventoryv1.RegisterInventoryServiceServer(s, inv) }), policy("inventory", time.Second, false, false))
	if err != nil {
		t.Fatal(err)
	}
	payClient, err := adapters.NewPaymentGRPCClient(dial(t, func(s *grpc.Server) { paymentsv1.RegisterPaymentsServiceServer(s, paymentsServer{}) }), policy("payments", time.Second, false, false))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if p, err := invClient.GetProduct(ctx, "SKU-1"); err != nil || p.PriceCents != 2500 || p.Currency != "EUR" {
		t.Errorf("GetProduct = %+v, %v", p, err)
	}
	if _, err := invClient.GetProduct(ctx, "SKU-404"); !errors.Is(err, order.ErrProductNotFound) {
		t.Errorf("GetProduct unknown: %v, want ErrProductNotFound", err)
	}
	// business refusals never open the breaker (3 failures would)
	for range 5 {
		if err := invClient.Reserve(ctx, "o-1", []order.Line{{SKU: "SKU-1", Quantity: 1}}); !errors.Is(err, order.ErrInsufficientStock) {
			t.Fatalf("Reserve: %v, want ErrInsufficientStock", err)
		}
	}
	if id, err := payClient.Charge(ctx, app.Charge{IdempotencyKey: "k", OrderID: "o-1", AmountCents: 100, Currency: "EUR"}); err != nil || id != "pay-o-1" {
		t.Errorf("Charge = %q, %v", id, err)
	}
	if _, err := payClient.Charge(ctx, app.Charge{IdempotencyKey: "k2", OrderID: "o-2", AmountCents: 20000, Currency: "EUR"}); !errors.Is(err, order.ErrPaymentDeclined) || errors.Is(err, app.ErrDependencyUnavailable) {
		t.Errorf("Charge above limit: %v, want ErrPaymentDeclined only", err)
	}
}

// no-deadline: a hanging dependency holds the call as long as it likes.
func TestSabotage_noDeadline(t *testing.T) {
	const hang = 600 * time.Millisecond
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			var sawDeadline atomic.Bool
			inv := &inventoryServer{reserve: func(ctx context.Context) error {
				_, has := ctx.Deadline()
				sawDeadline.Store(has)
				select {
				case <-time.After(hang):
					return nil
				case <-ctx.Done():
					return status.FromContextError(ctx.Err()).Err()
				}
			}}
			client, err := adapters.NewInventoryGRPCClient(dial(t, func(s *grpc.Server) { inventoryv1.RegisterInventoryServiceServer(s, inv) }), policy("inventory", 100*time.Millisecond, false, on))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = client.Reserve(context.Background(), "o-1", []order.Line{{SKU: "SKU-1", Quantity: 1}})
			took := time.Since(start)
			if on {
				if sawDeadline.Load() || took < hang || err != nil {
					t.Errorf("sabotage on: deadline %v, took %v, err %v; want no deadline and a call held for %v", sawDeadline.Load(), took, err, hang)
				}
				return
			}
			if !sawDeadline.Load() || took >= hang || !errors.Is(err, app.ErrDependencyUnavailable) {
				t.Errorf("sabotage off: deadline %v, took %v, err %v; want the call cut at its deadline", sawDeadline.Load(), took, err)
			}
		})
	}
}

// no-breaker: a failing dependency keeps receiving every call.
func TestSabotage_noBreaker(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("on=%v", on), func(t *testing.T) {
			inv := &inventoryServer{reserve: func(context.Context) error {
				return status.Error(codes.Unavailable, "database down")
			}}
			client, err := adapters.NewInventoryGRPCClient(dial(t, func(s *grpc.Server) { inventoryv1.RegisterInventoryServiceServer(s, inv) }), policy("inventory", time.Second, on, false))
			if err != nil {
				t.Fatal(err)
			}
			for range 20 {
				if err := client.Reserve(context.Background(), "o-1", []order.Line{{SKU: "SKU-1", Quantity: 1}}); !errors.Is(err, app.ErrDependencyUnavailable) {
					t.Fatalf("Reserve: %v, want ErrDependencyUnavailable", err)
				}
			}
			got := inv.calls.Load()
			if on && got != 20 {
				t.Errorf("sabotage on: dependency got %d calls, want all 20", got)
			}
			if !on && got != 3 {
				t.Errorf("sabotage off: dependency got %d calls, want 3 before the breaker opened", got)
			}
		})
	}
}
