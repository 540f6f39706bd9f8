package app

import (
	"context"
	"fmt"

	"faultline.dev/shop/gateway/internal/domain/order"
)

// PlaceOrder is a client's request to place an order, as received.
type PlaceOrder struct {
	IdempotencyKey string
	CustomerID     string
	Currency       string
	Lines          []order.Line
}

// PlaceOrderHandler validates a placement and hands it to the orders service, which runs
// the saga. The order returned may still be pending.
type PlaceOrderHandler struct {
	orders OrdersService
}

// NewPlaceOrderHandler returns the handler over orders.
func NewPlaceOrderHandler(orders OrdersService) PlaceOrderHandler {
	if orders == nil {
		panic("app: nil orders service")
	}
	return PlaceOrderHandler{orders: orders}
}

// Handle places the order.
func (h PlaceOrderHandler) Handle(ctx context.Context, cmd PlaceOrder) (order.Order, error) {
	p, err := order.NewPlacement(cmd.IdempotencyKey, cmd.CustomerID, cmd.Currency, cmd.Lines)
	if err != nil {
		return order.Order{}, err
	}
	o, err := h.orders.PlaceOrder(ctx, p)
	if err != nil {
		return order.Order{}, fmt.Errorf("place order for customer %s: %w", p.CustomerID, err)
	}
	return o, nil
}
