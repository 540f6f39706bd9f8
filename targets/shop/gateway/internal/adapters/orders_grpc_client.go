package adapters

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	ordersv1 "faultline.dev/shop/proto/gen/shop/orders/v1"

	"faultline.dev/shop/gateway/internal/app"
	"faultline.dev/shop/gateway/internal/domain/order"
)

// OrdersGRPCClient is app.OrdersService over the orders gRPC API. Every call gets the
// client's deadline unless the caller's context ends sooner.
type OrdersGRPCClient struct {
	client  ordersv1.OrdersServiceClient
	timeout time.Duration
}

var _ app.OrdersService = (*OrdersGRPCClient)(nil)

// NewOrdersGRPCClient returns the client over conn (one connection, shared by every call).
func NewOrdersGRPCClient(conn grpc.ClientConnInterface, timeout time.Duration) *OrdersGRPCClient {
	if conn == nil {
		panic("adapters: nil orders connection")
	}
	return &OrdersGRPCClient{client: ordersv1.NewOrdersServiceClient(conn), timeout: timeout}
}

var orderKinds = map[codes.Code]error{
	codes.InvalidArgument:    order.ErrInvalid,
	codes.NotFound:           order.ErrNotFound,
	codes.FailedPrecondition: order.ErrRejected,
	codes.AlreadyExists:      order.ErrConflict,
	codes.Aborted:            order.ErrConflict,
}

// PlaceOrder implements app.OrdersService.
func (c *OrdersGRPCClient) PlaceOrder(ctx context.Context, p order.Placement) (order.Order, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	lines := make([]*ordersv1.OrderLine, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = &ordersv1.OrderLine{Sku: l.SKU, Quantity: l.Quantity}
	}
	resp, err := c.client.CreateOrder(ctx, &ordersv1.CreateOrderRequest{
		IdempotencyKey: p.IdempotencyKey,
		CustomerId:     p.CustomerID,
		Currency:       p.Currency,
		Lines:          lines,
	})
	if err != nil {
		return order.Order{}, fromRPC("orders.CreateOrder", err, orderKinds)
	}
	return orderFromProto(resp.GetOrder()), nil
}

// GetOrder implements app.OrdersService.
func (c *OrdersGRPCClient) GetOrder(ctx context.Context, id string) (order.Order, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.client.GetOrder(ctx, &ordersv1.GetOrderRequest{Id: id})
	if err != nil {
		return order.Order{}, fromRPC("orders.GetOrder", err, orderKinds)
	}
	return orderFromProto(resp.GetOrder()), nil
}

func orderFromProto(o *ordersv1.Order) order.Order {
	lines := make([]order.Line, len(o.GetLines()))
	for i, l := range o.GetLines() {
		lines[i] = order.Line{SKU: l.GetSku(), Quantity: l.GetQuantity(), UnitPriceCents: l.GetUnitPriceCents()}
	}
	out := order.Order{
		ID:                 o.GetId(),
		CustomerID:         o.GetCustomerId(),
		Currency:           o.GetCurrency(),
		Lines:              lines,
		TotalCents:         o.GetTotalCents(),
		Status:             statusFromProto(o.GetStatus()),
		CancellationReason: o.GetCancellationReason(),
	}
	if o.GetCreatedAt() != nil {
		out.CreatedAt = o.GetCreatedAt().AsTime()
	}
	if o.GetUpdatedAt() != nil {
		out.UpdatedAt = o.GetUpdatedAt().AsTime()
	}
	return out
}

func statusFromProto(s ordersv1.OrderStatus) order.Status {
	switch s {
	case ordersv1.OrderStatus_ORDER_STATUS_PENDING:
		return order.StatusPending
	case ordersv1.OrderStatus_ORDER_STATUS_CONFIRMED:
		return order.StatusConfirmed
	case ordersv1.OrderStatus_ORDER_STATUS_CANCELLED:
		return order.StatusCancelled
	default:
		return order.StatusUnknown
	}
}
