package ports_test

import (
	"log/slog"
	"net"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"faultline.dev/shop/inventory/internal/adapters"
	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/ports"
	"faultline.dev/shop/platform/grpcx"
	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"
)

func startInventory(t *testing.T) inventoryv1.InventoryServiceClient {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	application := app.NewApplication(adapters.NewStockMemoryRepository())
	products, err := app.ParseCatalog("SKU-1:Widget:2500:10,SKU-2:Gadget:1000:1", "EUR")
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	if err := application.Commands.SeedCatalog.Handle(t.Context(), products); err != nil {
		t.Fatalf("SeedCatalog: %v", err)
	}
	srv := grpcx.NewServer(logger)
	inventoryv1.RegisterInventoryServiceServer(srv, ports.NewGRPCServer(application, logger))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	conn, err := grpcx.Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() {
		if err := conn.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		srv.GracefulStop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return inventoryv1.NewInventoryServiceClient(conn)
}

func reason(err error) string {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func line(sku string, q int32) *inventoryv1.ReservationLine {
	return &inventoryv1.ReservationLine{Sku: sku, Quantity: q}
}

func TestGRPC_domainErrorsMapToStatusCodes(t *testing.T) {
	client := startInventory(t)
	ctx := t.Context()
	if _, err := client.Reserve(ctx, &inventoryv1.ReserveRequest{ReservationId: "o-1", Lines: []*inventoryv1.ReservationLine{line("SKU-1", 1)}}); err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if _, err := client.Release(ctx, &inventoryv1.ReleaseRequest{ReservationId: "o-released"}); err != nil {
		t.Fatalf("Release: %v", err)
	}
	for _, tc := range []struct {
		name       string
		req        *inventoryv1.ReserveRequest
		wantCode   codes.Code
		wantReason string
	}{
		{"insufficient stock", &inventoryv1.ReserveRequest{ReservationId: "o-2", Lines: []*inventoryv1.ReservationLine{line("SKU-2", 2)}}, codes.FailedPrecondition, "INSUFFICIENT_STOCK"},
		{"unknown SKU", &inventoryv1.ReserveRequest{ReservationId: "o-3", Lines: []*inventoryv1.ReservationLine{line("SKU-9", 1)}}, codes.NotFound, "PRODUCT_NOT_FOUND"},
		{"same id, other lines", &inventoryv1.ReserveRequest{ReservationId: "o-1", Lines: []*inventoryv1.ReservationLine{line("SKU-1", 2)}}, codes.AlreadyExists, "RESERVATION_CONFLICT"},
		{"reserve after release", &inventoryv1.ReserveRequest{ReservationId: "o-released", Lines: []*inventoryv1.ReservationLine{line("SKU-1", 1)}}, codes.FailedPrecondition, "RESERVATION_RELEASED"},
		{"zero quantity", &inventoryv1.ReserveRequest{ReservationId: "o-4", Lines: []*inventoryv1.ReservationLine{line("SKU-1", 0)}}, codes.InvalidArgument, "INVALID_ARGUMENT"},
		{"no lines", &inventoryv1.ReserveRequest{ReservationId: "o-5"}, codes.InvalidArgument, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.Reserve(ctx, tc.req)
			if status.Code(err) != tc.wantCode || reason(err) != tc.wantReason {
				t.Errorf("Reserve error = %v (reason %q), want %v with reason %s", err, reason(err), tc.wantCode, tc.wantReason)
			}
		})
	}
	if _, err := client.GetProduct(ctx, &inventoryv1.GetProductRequest{Sku: "SKU-9"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetProduct(unknown) = %v, want NotFound", err)
	}
	if _, err := client.Release(ctx, &inventoryv1.ReleaseRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Release(no id) = %v, want InvalidArgument", err)
	}
}

func TestGRPC_reserveReleaseAndProducts(t *testing.T) {
	client := startInventory(t)
	ctx := t.Context()
	req := &inventoryv1.ReserveRequest{ReservationId: "o-1", Lines: []*inventoryv1.ReservationLine{line("SKU-1", 3), line("SKU-2", 1)}}
	for range 2 {
		resp, err := client.Reserve(ctx, req)
		if err != nil || resp.GetReservationId() != "o-1" {
			t.Fatalf("Reserve = %v, %v", resp, err)
		}
	}
	got, err := client.GetProduct(ctx, &inventoryv1.GetProductRequest{Sku: "SKU-1"})
	if err != nil {
		t.Fatalf("GetProduct: %v", err)
	}
	p := got.GetProduct()
	if p.GetAvailable() != 7 || p.GetReserved() != 3 || p.GetInitial() != 10 || p.GetPriceCents() != 2500 || p.GetCurrency() != "EUR" || p.GetName() != "Widget" {
		t.Errorf("SKU-1 = %v, want 7 available, 3 reserved of 10 at 2500 EUR", p)
	}
	rel, err := client.Release(ctx, &inventoryv1.ReleaseRequest{ReservationId: "o-1"})
	if err != nil || !rel.GetReleased() {
		t.Fatalf("Release = %v, %v; want released", rel, err)
	}
	rel, err = client.Release(ctx, &inventoryv1.ReleaseRequest{ReservationId: "o-1"})
	if err != nil || rel.GetReleased() {
		t.Errorf("Release again = %v, %v; want released=false", rel, err)
	}
	list, err := client.ListProducts(ctx, &inventoryv1.ListProductsRequest{})
	if err != nil || len(list.GetProducts()) != 2 {
		t.Fatalf("ListProducts = %v, %v", list, err)
	}
	for _, p := range list.GetProducts() {
		if p.GetReserved() != 0 || p.GetAvailable() != p.GetInitial() {
			t.Errorf("%s after release: %v", p.GetSku(), p)
		}
	}
}
