package ports

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/domain/stock"
)

// HTTPServer serves the product read over JSON on the HTTP port, beside the gRPC GetProduct,
// so that REST and gRPC can be compared on the same operation (faultline bench claims).
type HTTPServer struct {
	app    app.Application
	logger *slog.Logger
}

// NewHTTPServer returns the JSON port of application.
func NewHTTPServer(application app.Application, logger *slog.Logger) *HTTPServer {
	return &HTTPServer{app: application, logger: logger}
}

// productJSON has the fields of inventoryv1.Product, in protojson's snake_case names.
type productJSON struct {
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
	Available  int32  `json:"available"`
	Reserved   int32  `json:"reserved"`
	Initial    int32  `json:"initial"`
}

// Register serves GET /v1/products/{sku} on mux.
func (s *HTTPServer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/products/{sku}", s.getProduct)
}

func (s *HTTPServer) getProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.Queries.GetProduct.Handle(r.Context(), r.PathValue("sku"))
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		code, reason := http.StatusInternalServerError, "INTERNAL"
		switch {
		case errors.Is(err, stock.ErrProductNotFound):
			code, reason = http.StatusNotFound, "PRODUCT_NOT_FOUND"
		case errors.Is(err, stock.ErrMissingSKU):
			code, reason = http.StatusBadRequest, "INVALID_ARGUMENT"
		default:
			s.logger.ErrorContext(r.Context(), "get product failed", slog.String("error", err.Error()))
		}
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]map[string]string{"error": {"code": reason}})
		return
	}
	_ = json.NewEncoder(w).Encode(productJSON{
		SKU: p.SKU(), Name: p.Name(), PriceCents: p.PriceCents(), Currency: p.Currency(),
		Available: p.Available(), Reserved: p.Reserved(), Initial: p.Initial(),
	})
}
