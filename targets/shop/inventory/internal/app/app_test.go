package app_test

import (
	"errors"
	"strings"
	"testing"

	"faultline.dev/shop/inventory/internal/adapters"
	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/domain/stock"
)

func newApp(t *testing.T, seed string) app.Application {
	t.Helper()
	products, err := app.ParseCatalog(seed, "EUR")
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	a := app.NewApplication(adapters.NewStockMemoryRepository())
	if err := a.Commands.SeedCatalog.Handle(t.Context(), products); err != nil {
		t.Fatalf("SeedCatalog: %v", err)
	}
	return a
}

func TestParseCatalog_readsEntries(t *testing.T) {
	products, err := app.ParseCatalog(" SKU-1:Widget:2500:100, SKU-2:Gadget:1000:5 ,", "EUR")
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	if len(products) != 2 || products[1].SKU() != "SKU-2" || products[1].PriceCents() != 1000 || products[1].Initial() != 5 || products[1].Currency() != "EUR" {
		t.Errorf("products = %+v", products)
	}
	defaults, err := app.ParseCatalog(app.DefaultCatalog, "EUR")
	if err != nil || len(defaults) != 3 {
		t.Errorf("default catalogue = %d products, %v; want 3", len(defaults), err)
	}
}

func TestParseCatalog_reportsEveryBadEntry(t *testing.T) {
	_, err := app.ParseCatalog("SKU-1:Widget:abc:1,SKU-2:Gadget,SKU-3:Gizmo:10:-1,SKU-4:A:1:1,SKU-4:B:1:1", "EUR")
	if !errors.Is(err, app.ErrInvalidCatalog) {
		t.Fatalf("ParseCatalog = %v, want ErrInvalidCatalog", err)
	}
	for _, want := range []string{"SKU-1", "SKU-2", "SKU-3", "SKU-4 appears twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := app.ParseCatalog(" , ", "EUR"); !errors.Is(err, app.ErrInvalidCatalog) {
		t.Errorf("empty catalogue = %v, want ErrInvalidCatalog", err)
	}
}

func TestSeedCatalog_keepsStockOfEarlierRuns(t *testing.T) {
	a := newApp(t, "SKU-1:Widget:2500:10")
	ctx := t.Context()
	if _, err := a.Commands.Reserve.Handle(ctx, app.Reserve{ReservationID: "order-1", Lines: []stock.Line{{SKU: "SKU-1", Quantity: 4}}}); err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	again, err := app.ParseCatalog("SKU-1:Widget:2500:10,SKU-2:Gadget:1000:5", "EUR")
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	if err := a.Commands.SeedCatalog.Handle(ctx, again); err != nil {
		t.Fatalf("SeedCatalog again: %v", err)
	}
	products, err := a.Queries.ListProducts.Handle(ctx)
	if err != nil {
		t.Fatalf("ListProducts: %v", err)
	}
	if len(products) != 2 || products[0].Reserved() != 4 || products[0].Available() != 6 {
		t.Errorf("after reseeding: %+v; want SKU-1 still 6 available, 4 reserved, and SKU-2 added", products)
	}
}

func TestReserveRelease_conserveStock(t *testing.T) {
	a := newApp(t, "SKU-1:Widget:2500:10,SKU-2:Gadget:1000:1")
	ctx := t.Context()
	reserve := app.Reserve{ReservationID: "order-1", Lines: []stock.Line{{SKU: "SKU-1", Quantity: 2}, {SKU: "SKU-2", Quantity: 1}}}
	for range 2 {
		if _, err := a.Commands.Reserve.Handle(ctx, reserve); err != nil {
			t.Fatalf("Reserve: %v", err)
		}
	}
	p, err := a.Queries.GetProduct.Handle(ctx, "SKU-1")
	if err != nil || p.Reserved() != 2 || p.Available() != 8 {
		t.Fatalf("SKU-1 = %+v, %v; want 2 reserved once", p, err)
	}
	_, err = a.Commands.Reserve.Handle(ctx, app.Reserve{ReservationID: "order-2", Lines: []stock.Line{{SKU: "SKU-1", Quantity: 1}, {SKU: "SKU-2", Quantity: 1}}})
	if !errors.Is(err, stock.ErrInsufficientStock) {
		t.Fatalf("Reserve beyond stock = %v, want ErrInsufficientStock", err)
	}

	released, err := a.Commands.Release.Handle(ctx, app.Release{ReservationID: "order-1"})
	if err != nil || !released {
		t.Fatalf("Release = %v, %v; want released", released, err)
	}
	released, err = a.Commands.Release.Handle(ctx, app.Release{ReservationID: "order-1"})
	if err != nil || released {
		t.Errorf("Release again = %v, %v; want nothing released", released, err)
	}
	products, err := a.Queries.ListProducts.Handle(ctx)
	if err != nil {
		t.Fatalf("ListProducts: %v", err)
	}
	for _, p := range products {
		if p.Reserved() != 0 || p.Available() != p.Initial() {
			t.Errorf("%s after release: available %d reserved %d initial %d", p.SKU(), p.Available(), p.Reserved(), p.Initial())
		}
	}
}

func TestGetProduct_unknownSKUIsNotFound(t *testing.T) {
	a := newApp(t, "SKU-1:Widget:2500:10")
	if _, err := a.Queries.GetProduct.Handle(t.Context(), "SKU-404"); !errors.Is(err, stock.ErrProductNotFound) {
		t.Errorf("GetProduct(unknown) = %v, want ErrProductNotFound", err)
	}
}
