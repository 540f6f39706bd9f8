package stock_test

import (
	"errors"
	"testing"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

func catalog(t *testing.T) map[string]*stock.Product {
	t.Helper()
	widget, err := stock.NewProduct("SKU-1", "Widget", 2500, "EUR", 10)
	if err != nil {
		t.Fatalf("NewProduct: %v", err)
	}
	gadget, err := stock.NewProduct("SKU-2", "Gadget", 1000, "EUR", 2)
	if err != nil {
		t.Fatalf("NewProduct: %v", err)
	}
	return map[string]*stock.Product{"SKU-1": widget, "SKU-2": gadget}
}

func requireConserved(t *testing.T, products map[string]*stock.Product) {
	t.Helper()
	for _, p := range products {
		if p.Available()+p.Reserved() != p.Initial() || p.Available() < 0 || p.Reserved() < 0 {
			t.Errorf("%s: available %d + reserved %d != initial %d", p.SKU(), p.Available(), p.Reserved(), p.Initial())
		}
	}
}

func TestNewProduct_reportsEveryProblem(t *testing.T) {
	_, err := stock.NewProduct("", "", -1, "eur", -1)
	if !errors.Is(err, stock.ErrMissingSKU) || !errors.Is(err, stock.ErrInvalidProduct) {
		t.Errorf("NewProduct(all wrong) = %v", err)
	}
	p, err := stock.NewProduct("SKU-1", "Widget", 2500, "EUR", 7)
	if err != nil || p.Available() != 7 || p.Reserved() != 0 || p.Initial() != 7 {
		t.Errorf("NewProduct = %+v, %v; want all 7 available", p, err)
	}
}

func TestReserve_takesStockFromEveryLine(t *testing.T) {
	products := catalog(t)
	r, err := stock.Reserve(nil, "order-1", []stock.Line{{"SKU-1", 3}, {"SKU-2", 2}, {"SKU-1", 1}}, products)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	if got := products["SKU-1"]; got.Available() != 6 || got.Reserved() != 4 {
		t.Errorf("SKU-1 available %d reserved %d, want 6 and 4", got.Available(), got.Reserved())
	}
	if got := products["SKU-2"]; got.Available() != 0 || got.Reserved() != 2 {
		t.Errorf("SKU-2 available %d reserved %d, want 0 and 2", got.Available(), got.Reserved())
	}
	if lines := r.Lines(); len(lines) != 2 || lines[0] != (stock.Line{SKU: "SKU-1", Quantity: 4}) {
		t.Errorf("lines = %v, want merged and sorted", lines)
	}
	requireConserved(t, products)
}

func TestReserve_isAllOrNothing(t *testing.T) {
	products := catalog(t)
	_, err := stock.Reserve(nil, "order-1", []stock.Line{{"SKU-1", 5}, {"SKU-2", 3}}, products)
	if !errors.Is(err, stock.ErrInsufficientStock) {
		t.Fatalf("Reserve(too many SKU-2) = %v, want ErrInsufficientStock", err)
	}
	if got := products["SKU-1"]; got.Available() != 10 || got.Reserved() != 0 {
		t.Errorf("SKU-1 changed by a failed reservation: available %d reserved %d", got.Available(), got.Reserved())
	}
	_, err = stock.Reserve(nil, "order-2", []stock.Line{{"SKU-1", 1}, {"SKU-9", 1}}, products)
	if !errors.Is(err, stock.ErrProductNotFound) {
		t.Errorf("Reserve(unknown SKU) = %v, want ErrProductNotFound", err)
	}
	if products["SKU-1"].Reserved() != 0 {
		t.Error("SKU-1 reserved by a reservation naming an unknown SKU")
	}
}

func TestReserve_repeatIsIdempotentAndDifferentLinesConflict(t *testing.T) {
	products := catalog(t)
	first, err := stock.Reserve(nil, "order-1", []stock.Line{{"SKU-1", 2}}, products)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	again, err := stock.Reserve(first, "order-1", []stock.Line{{"SKU-1", 2}}, products)
	if err != nil || again != first {
		t.Fatalf("repeat Reserve = %v, %v; want the stored reservation unchanged", again, err)
	}
	if products["SKU-1"].Reserved() != 2 {
		t.Errorf("repeat reserved again: reserved %d, want 2", products["SKU-1"].Reserved())
	}
	if _, err := stock.Reserve(first, "order-1", []stock.Line{{"SKU-1", 3}}, products); !errors.Is(err, stock.ErrReservationConflict) {
		t.Errorf("Reserve with other lines = %v, want ErrReservationConflict", err)
	}
}

func TestReserve_rejectsInvalidLines(t *testing.T) {
	products := catalog(t)
	for _, tc := range []struct {
		name  string
		id    string
		lines []stock.Line
		want  error
	}{
		{"no id", "", []stock.Line{{"SKU-1", 1}}, stock.ErrMissingReservationID},
		{"no lines", "order-1", nil, stock.ErrEmptyReservation},
		{"zero quantity", "order-1", []stock.Line{{"SKU-1", 0}}, stock.ErrInvalidQuantity},
		{"negative quantity", "order-1", []stock.Line{{"SKU-1", -2}}, stock.ErrInvalidQuantity},
		{"no sku", "order-1", []stock.Line{{"", 1}}, stock.ErrMissingSKU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := stock.Reserve(nil, tc.id, tc.lines, products); !errors.Is(err, tc.want) {
				t.Errorf("Reserve = %v, want %v", err, tc.want)
			}
		})
	}
	requireConserved(t, products)
	if products["SKU-1"].Reserved() != 0 {
		t.Error("an invalid reservation reserved stock")
	}
}

func TestRelease_returnsStockOnce(t *testing.T) {
	products := catalog(t)
	r, err := stock.Reserve(nil, "order-1", []stock.Line{{"SKU-1", 4}}, products)
	if err != nil {
		t.Fatalf("Reserve: %v", err)
	}
	released, ok, err := stock.Release(r, "order-1", products)
	if err != nil || !ok || !released.IsReleased() {
		t.Fatalf("Release = %v, %v, %v; want released", released, ok, err)
	}
	if got := products["SKU-1"]; got.Available() != 10 || got.Reserved() != 0 {
		t.Errorf("after release: available %d reserved %d, want 10 and 0", got.Available(), got.Reserved())
	}
	again, ok, err := stock.Release(released, "order-1", products)
	if err != nil || ok || again != released {
		t.Errorf("second Release = %v, %v, %v; want nothing released", again, ok, err)
	}
	if products["SKU-1"].Available() != 10 {
		t.Errorf("second release changed stock: available %d", products["SKU-1"].Available())
	}
	requireConserved(t, products)
}

func TestRelease_beforeReserveLeavesATombstoneThatRefusesTheLateReserve(t *testing.T) {
	products := catalog(t)
	tombstone, ok, err := stock.Release(nil, "order-1", products)
	if err != nil || ok || !tombstone.IsReleased() || len(tombstone.Lines()) != 0 {
		t.Fatalf("Release(never reserved) = %v, %v, %v; want an empty released tombstone", tombstone, ok, err)
	}
	_, err = stock.Reserve(tombstone, "order-1", []stock.Line{{"SKU-1", 1}}, products)
	if !errors.Is(err, stock.ErrReservationReleased) {
		t.Errorf("late Reserve = %v, want ErrReservationReleased", err)
	}
	if products["SKU-1"].Reserved() != 0 {
		t.Error("a late Reserve after compensation took stock")
	}
}

func TestUnmarshalProductFromDatabase_rejectsUnconservedStock(t *testing.T) {
	if _, err := stock.UnmarshalProductFromDatabase("SKU-1", "Widget", 1, "EUR", 10, 6, 3); !errors.Is(err, stock.ErrStockNotConserved) {
		t.Errorf("6 + 3 != 10 accepted: %v", err)
	}
	p, err := stock.UnmarshalProductFromDatabase("SKU-1", "Widget", 1, "EUR", 10, 6, 4)
	if err != nil || p.Available() != 6 || p.Reserved() != 4 {
		t.Errorf("UnmarshalProductFromDatabase = %v, %v", p, err)
	}
}
