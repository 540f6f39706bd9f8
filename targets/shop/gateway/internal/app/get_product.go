package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/gateway/internal/domain/product"
)

// GetProductHandler reads one product from the inventory service.
type GetProductHandler struct {
	inventory InventoryService
}

// NewGetProductHandler returns the handler over inventory.
func NewGetProductHandler(inventory InventoryService) GetProductHandler {
	if inventory == nil {
		panic("app: nil inventory service")
	}
	return GetProductHandler{inventory: inventory}
}

// Handle returns the product, or an error wrapping product.ErrNotFound.
func (h GetProductHandler) Handle(ctx context.Context, sku string) (product.Product, error) {
	if err := product.ValidateSKU(sku); err != nil {
		return product.Product{}, err
	}
	p, err := h.inventory.GetProduct(ctx, sku)
	if err != nil {
		return product.Product{}, fmt.Errorf("get product %s: %w", sku, err)
	}
	return p, nil
}
