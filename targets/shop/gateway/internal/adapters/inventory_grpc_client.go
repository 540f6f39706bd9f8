package adapters

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"

	"faultline.dev/shop/gateway/internal/app"
	"faultline.dev/shop/gateway/internal/domain/product"
)

// InventoryGRPCClient is app.InventoryService over the inventory gRPC API. Every call gets
// the client's deadline unless the caller's context ends sooner.
type InventoryGRPCClient struct {
	client  inventoryv1.InventoryServiceClient
	timeout time.Duration
}

var _ app.InventoryService = (*InventoryGRPCClient)(nil)

// NewInventoryGRPCClient returns the client over conn (one connection, shared by every call).
func NewInventoryGRPCClient(conn grpc.ClientConnInterface, timeout time.Duration) *InventoryGRPCClient {
	if conn == nil {
		panic("adapters: nil inventory connection")
	}
	return &InventoryGRPCClient{client: inventoryv1.NewInventoryServiceClient(conn), timeout: timeout}
}

var productKinds = map[codes.Code]error{
	codes.InvalidArgument: product.ErrInvalid,
	codes.NotFound:        product.ErrNotFound,
}

// GetProduct implements app.InventoryService.
func (c *InventoryGRPCClient) GetProduct(ctx context.Context, sku string) (product.Product, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.client.GetProduct(ctx, &inventoryv1.GetProductRequest{Sku: sku})
	if err != nil {
		return product.Product{}, fromRPC("inventory.GetProduct", err, productKinds)
	}
	return productFromProto(resp.GetProduct()), nil
}

// ListProducts implements app.InventoryService.
func (c *InventoryGRPCClient) ListProducts(ctx context.Context) ([]product.Product, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.client.ListProducts(ctx, &inventoryv1.ListProductsRequest{})
	if err != nil {
		return nil, fromRPC("inventory.ListProducts", err, productKinds)
	}
	out := make([]product.Product, len(resp.GetProducts()))
	for i, p := range resp.GetProducts() {
		out[i] = productFromProto(p)
	}
	return out, nil
}

func productFromProto(p *inventoryv1.Product) product.Product {
	return product.Product{
		SKU:        p.GetSku(),
		Name:       p.GetName(),
		PriceCents: p.GetPriceCents(),
		Currency:   p.GetCurrency(),
		Available:  p.GetAvailable(),
		Reserved:   p.GetReserved(),
		Initial:    p.GetInitial(),
	}
}
