package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/gateway/internal/domain/order"
)

// GetOrderHandler reads one order from the orders service.
type GetOrderHandler struct {
	orders OrdersService
}

// NewGetOrderHandler returns the handler over orders.
func NewGetOrderHandler(orders OrdersService) GetOrderHandler {
	if orders == nil {
		panic("app: nil orders service")
	}
	return GetOrderHandler{orders: orders}
}

// Handle returns the order, or an error wrapping order.ErrNotFound.
func (h GetOrderHandler) Handle(ctx context.Context, id string) (order.Order, error) {
	if err := order.ValidateID(id); err != nil {
		return order.Order{}, err
	}
	o, err := h.orders.GetOrder(ctx, id)
	if err != nil {
		return order.Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}
