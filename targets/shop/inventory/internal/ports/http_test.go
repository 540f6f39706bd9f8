package ports_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"faultline.dev/shop/inventory/internal/adapters"
	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/ports"
)

func TestHTTPServer_readsTheProductTheGRPCPortReads(t *testing.T) {
	application := app.NewApplication(adapters.NewStockMemoryRepository())
	products, err := app.ParseCatalog("SKU-1:Widget:2500:10", "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if err := application.Commands.SeedCatalog.Handle(t.Context(), products); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ports.NewHTTPServer(application, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/v1/products/SKU-1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"sku": "SKU-1", "name": "Widget", "price_cents": 2500.0, "currency": "EUR", "available": 10.0, "reserved": 0.0, "initial": 10.0}
	if res.StatusCode != 200 || len(got) != len(want) {
		t.Fatalf("status %d, body %v", res.StatusCode, got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}

	missing, err := http.Get(srv.URL + "/v1/products/NOPE")
	if err != nil {
		t.Fatal(err)
	}
	missing.Body.Close()
	if missing.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown SKU: status %d, want 404", missing.StatusCode)
	}
}
