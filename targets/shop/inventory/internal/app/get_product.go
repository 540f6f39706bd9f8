package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// GetProductHandler reads one product's stock.
type GetProductHandler struct {
	repo stock.Repository
}

// NewGetProductHandler returns a GetProductHandler.
func NewGetProductHandler(repo stock.Repository) GetProductHandler {
	if repo == nil {
		panic("app: NewGetProductHandler needs a repository")
	}
	return GetProductHandler{repo: repo}
}

// Handle returns the product with the SKU, or stock.ErrProductNotFound.
func (h GetProductHandler) Handle(ctx context.Context, sku string) (*stock.Product, error) {
	if sku == "" {
		return nil, fmt.Errorf("get product: %w", stock.ErrMissingSKU)
	}
	p, err := h.repo.Product(ctx, sku)
	if err != nil {
		return nil, fmt.Errorf("get product %s: %w", sku, err)
	}
	return p, nil
}
