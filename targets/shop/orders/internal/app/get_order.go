package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/orders/internal/domain/order"
)

// GetOrderHandler returns an order by ID.
type GetOrderHandler struct {
	repo order.Repository
}

// NewGetOrderHandler returns the handler.
func NewGetOrderHandler(repo order.Repository) GetOrderHandler { return GetOrderHandler{repo: repo} }

// Handle returns the order with id, or an error wrapping order.ErrNotFound.
func (h GetOrderHandler) Handle(ctx context.Context, id string) (*order.Order, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: order id is required", order.ErrInvalidOrder)
	}
	o, err := h.repo.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}
