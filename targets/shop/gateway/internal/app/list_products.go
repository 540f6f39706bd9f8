package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/gateway/internal/domain/product"
)

// ListProductsHandler reads every product with its stock counters (the invariant checks
// compare available + reserved with initial).
type ListProductsHandler struct {
	inventory InventoryService
}

// NewListProductsHandler returns the handler over inventory.
func NewListProductsHandler(inventory InventoryService) ListProductsHandler {
	if inventory == nil {
		panic("app: nil inventory service")
	}
	return ListProductsHandler{inventory: inventory}
}

// Handle returns every product.
func (h ListProductsHandler) Handle(ctx context.Context) ([]product.Product, error) {
	ps, err := h.inventory.ListProducts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return ps, nil
}
