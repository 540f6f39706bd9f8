// Package ports exposes the inventory application over gRPC. It is the only place that
// knows gRPC status codes: each domain error maps to the code that says what happened.
package ports

import (
	"context"
	"log/slog"

	"google.golang.org/grpc/codes"

	"faultline.dev/shop/platform/grpcx"

	"faultline.dev/shop/inventory/internal/app"
	"faultline.dev/shop/inventory/internal/domain/stock"
	inventoryv1 "faultline.dev/shop/proto/gen/shop/inventory/v1"
)

// ErrorDomain is the errdetails.ErrorInfo domain of every error this service returns.
const ErrorDomain = "inventory.shop.faultline.dev"

// GRPCServer implements inventoryv1.InventoryServiceServer.
type GRPCServer struct {
	inventoryv1.UnimplementedInventoryServiceServer
	app    app.Application
	logger *slog.Logger
}

// NewGRPCServer returns the gRPC port of application.
func NewGRPCServer(application app.Application, logger *slog.Logger) *GRPCServer {
	return &GRPCServer{app: application, logger: logger}
}

var _ inventoryv1.InventoryServiceServer = (*GRPCServer)(nil)

func (s *GRPCServer) GetProduct(ctx context.Context, req *inventoryv1.GetProductRequest) (*inventoryv1.GetProductResponse, error) {
	p, err := s.app.Queries.GetProduct.Handle(ctx, req.GetSku())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &inventoryv1.GetProductResponse{Product: toProto(p)}, nil
}

func (s *GRPCServer) ListProducts(ctx context.Context, _ *inventoryv1.ListProductsRequest) (*inventoryv1.ListProductsResponse, error) {
	products, err := s.app.Queries.ListProducts.Handle(ctx)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &inventoryv1.ListProductsResponse{Products: make([]*inventoryv1.Product, len(products))}
	for i, p := range products {
		resp.Products[i] = toProto(p)
	}
	return resp, nil
}

func (s *GRPCServer) Reserve(ctx context.Context, req *inventoryv1.ReserveRequest) (*inventoryv1.ReserveResponse, error) {
	lines := make([]stock.Line, len(req.GetLines()))
	for i, l := range req.GetLines() {
		lines[i] = stock.Line{SKU: l.GetSku(), Quantity: l.GetQuantity()}
	}
	r, err := s.app.Commands.Reserve.Handle(ctx, app.Reserve{ReservationID: req.GetReservationId(), Lines: lines})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &inventoryv1.ReserveResponse{ReservationId: r.ID()}, nil
}

func (s *GRPCServer) Release(ctx context.Context, req *inventoryv1.ReleaseRequest) (*inventoryv1.ReleaseResponse, error) {
	released, err := s.app.Commands.Release.Handle(ctx, app.Release{ReservationID: req.GetReservationId()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &inventoryv1.ReleaseResponse{ReservationId: req.GetReservationId(), Released: released}, nil
}

func toProto(p *stock.Product) *inventoryv1.Product {
	return &inventoryv1.Product{
		Sku:        p.SKU(),
		Name:       p.Name(),
		PriceCents: p.PriceCents(),
		Currency:   p.Currency(),
		Available:  p.Available(),
		Reserved:   p.Reserved(),
		Initial:    p.Initial(),
	}
}

// errorCodes maps each domain error to its status code and the ErrorInfo reason clients
// may switch on. The first match wins: a reservation short of stock on one line and
// naming an unknown SKU on another is NotFound.
var errorCodes = []grpcx.ErrorCode{
	{Err: stock.ErrProductNotFound, Code: codes.NotFound, Reason: "PRODUCT_NOT_FOUND"},
	{Err: stock.ErrInsufficientStock, Code: codes.FailedPrecondition, Reason: "INSUFFICIENT_STOCK"},
	{Err: stock.ErrReservationReleased, Code: codes.FailedPrecondition, Reason: "RESERVATION_RELEASED"},
	{Err: stock.ErrReservationConflict, Code: codes.AlreadyExists, Reason: "RESERVATION_CONFLICT"},
	{Err: stock.ErrMissingReservationID, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: stock.ErrMissingSKU, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: stock.ErrInvalidQuantity, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
	{Err: stock.ErrEmptyReservation, Code: codes.InvalidArgument, Reason: "INVALID_ARGUMENT"},
}

// toStatus maps err to a gRPC status through the table above; anything else is logged
// and reaches the client as Internal without its details.
func (s *GRPCServer) toStatus(ctx context.Context, err error) error {
	return grpcx.ErrorMapper{Domain: ErrorDomain, Codes: errorCodes, Logger: s.logger}.Status(ctx, err)
}
