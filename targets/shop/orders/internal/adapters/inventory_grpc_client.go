package adapters

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// InventoryGRPCClient is app.Inventory over gRPC, on one connection shared by all calls.
type InventoryGRPCClient struct {
	conn   grpc.ClientConnInterface
	client inventoryv1.InventoryServiceClient
	policy CallPolicy
}

var _ app.Inventory = (*InventoryGRPCClient)(nil)

// NewInventoryGRPCClient returns a client on conn (dialled once at start).
func NewInventoryGRPCClient(conn grpc.ClientConnInterface, policy CallPolicy) (*InventoryGRPCClient, error) {
	if err := policy.validate("inventory"); err != nil {
		return nil, err
	}
	return &InventoryGRPCClient{conn: conn, client: inventoryv1.NewInventoryServiceClient(conn), policy: policy}, nil
}

func (c *InventoryGRPCClient) GetProduct(ctx context.Context, sku string) (app.Product, error) {
	var resp *inventoryv1.GetProductResponse
	err := c.policy.do(ctx, func(ctx context.Context) error {
		var err error
		resp, err = c.client.GetProduct(ctx, &inventoryv1.GetProductRequest{Sku: sku})
		return err
	})
	if err != nil {
		return app.Product{}, translate(ctx, "inventory GetProduct "+sku, err, map[codes.Code]error{codes.NotFound: order.ErrProductNotFound})
	}
	p := resp.GetProduct()
	if p == nil {
		return app.Product{}, fmt.Errorf("%w: inventory GetProduct %s: %w", app.ErrDependencyUnavailable, sku, errors.New("empty response"))
	}
	return app.Product{SKU: p.GetSku(), PriceCents: p.GetPriceCents(), Currency: p.GetCurrency()}, nil
}

func (c *InventoryGRPCClient) Reserve(ctx context.Context, reservationID string, lines []order.Line) error {
	req := &inventoryv1.ReserveRequest{ReservationId: reservationID}
	for _, l := range lines {
		req.Lines = append(req.Lines, &inventoryv1.ReservationLine{Sku: l.SKU, Quantity: l.Quantity})
	}
	err := c.policy.do(ctx, func(ctx context.Context) error {
		_, err := c.client.Reserve(ctx, req)
		return err
	})
	return translate(ctx, "inventory Reserve "+reservationID, err, map[codes.Code]error{codes.FailedPrecondition: order.ErrInsufficientStock})
}

func (c *InventoryGRPCClient) Release(ctx context.Context, reservationID string) error {
	err := c.policy.do(ctx, func(ctx context.Context) error {
		_, err := c.client.Release(ctx, &inventoryv1.ReleaseRequest{ReservationId: reservationID})
		return err
	})
	return translate(ctx, "inventory Release "+reservationID, err, nil)
}

// BreakerOpen implements app.BreakerProbe: the breaker would refuse a call now.
func (c *InventoryGRPCClient) BreakerOpen() bool { return c.policy.breakerOpen() }
