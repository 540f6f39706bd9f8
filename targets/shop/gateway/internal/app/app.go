// Package app holds the gateway's use cases, one file each. The gateway owns no data: every
// use case asks the orders or inventory service through the interfaces below.
package app

import (
	"context"
	"errors"

	"faultline.dev/shop/gateway/internal/domain/order"
	"faultline.dev/shop/gateway/internal/domain/product"
)

// Errors of the services behind the gateway, whatever the call.
var (
	// ErrUnavailable: the service did not answer (down, unreachable, circuit open).
	ErrUnavailable = errors.New("dependency unavailable")
	// ErrTimeout: the service did not answer within the call's deadline.
	ErrTimeout = errors.New("dependency timed out")
	// ErrOverloaded: the service refused the call for lack of capacity.
	ErrOverloaded = errors.New("dependency overloaded")
)

// OrdersService is the orders service as the gateway uses it.
type OrdersService interface {
	PlaceOrder(ctx context.Context, p order.Placement) (order.Order, error)
	GetOrder(ctx context.Context, id string) (order.Order, error)
}

// InventoryService is the inventory service as the gateway uses it.
type InventoryService interface {
	GetProduct(ctx context.Context, sku string) (product.Product, error)
	ListProducts(ctx context.Context) ([]product.Product, error)
}

// Application is every use case of the gateway, as the ports call them.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state (in the services behind the gateway).
type Commands struct {
	PlaceOrder PlaceOrderHandler
}

// Queries read state.
type Queries struct {
	GetOrder     GetOrderHandler
	GetProduct   GetProductHandler
	ListProducts ListProductsHandler
}

// New wires every use case over the two services.
func New(orders OrdersService, inventory InventoryService) Application {
	return Application{
		Commands: Commands{PlaceOrder: NewPlaceOrderHandler(orders)},
		Queries: Queries{
			GetOrder:     NewGetOrderHandler(orders),
			GetProduct:   NewGetProductHandler(inventory),
			ListProducts: NewListProductsHandler(inventory),
		},
	}
}
