package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/inventory/internal/domain/stock"
)

// ListProductsHandler reads every product's stock.
type ListProductsHandler struct {
	repo stock.Repository
}

// NewListProductsHandler returns a ListProductsHandler.
func NewListProductsHandler(repo stock.Repository) ListProductsHandler {
	if repo == nil {
		panic("app: NewListProductsHandler needs a repository")
	}
	return ListProductsHandler{repo: repo}
}

// Handle returns every product ordered by SKU.
func (h ListProductsHandler) Handle(ctx context.Context) ([]*stock.Product, error) {
	products, err := h.repo.Products(ctx)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return products, nil
}
