// Package ports exposes the orders use cases over gRPC. It is the only place where
// domain and app errors become gRPC status codes.
package ports

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	ordersv1 "faultline.dev/shop/proto/gen/shop/orders/v1"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// GRPCServer implements shop.orders.v1.OrdersService.
type GRPCServer struct {
	ordersv1.UnimplementedOrdersServiceServer
	create app.CreateOrderHandler
	get    app.GetOrderHandler
	logger *slog.Logger
}

// NewGRPCServer returns the service on the use case handlers.
func NewGRPCServer(create app.CreateOrderHandler, get app.GetOrderHandler, logger *slog.Logger) *GRPCServer {
	return &GRPCServer{create: create, get: get, logger: logger}
}

func (s *GRPCServer) CreateOrder(ctx context.Context, req *ordersv1.CreateOrderRequest) (*ordersv1.CreateOrderResponse, error) {
	cmd := app.CreateOrder{
		IdempotencyKey: req.GetIdempotencyKey(),
		CustomerID:     req.GetCustomerId(),
		Currency:       req.GetCurrency(),
	}
	for _, l := range req.GetLines() {
		cmd.Lines = append(cmd.Lines, app.CreateOrderLine{SKU: l.GetSku(), Quantity: l.GetQuantity()})
	}
	o, err := s.create.Handle(ctx, cmd)
	if err != nil {
		return nil, s.status(ctx, err)
	}
	return &ordersv1.CreateOrderResponse{Order: toProto(o)}, nil
}

func (s *GRPCServer) GetOrder(ctx context.Context, req *ordersv1.GetOrderRequest) (*ordersv1.GetOrderResponse, error) {
	o, err := s.get.Handle(ctx, req.GetId())
	if err != nil {
		return nil, s.status(ctx, err)
	}
	return &ordersv1.GetOrderResponse{Order: toProto(o)}, nil
}

// codeOf maps an error of the use cases to the gRPC code a client can act on.
func codeOf(err error) codes.Code {
	switch {
	case errors.Is(err, order.ErrInvalidOrder), errors.Is(err, order.ErrCurrencyMismatch):
		return codes.InvalidArgument
	case errors.Is(err, order.ErrNotFound):
		return codes.NotFound
	case errors.Is(err, order.ErrProductNotFound),
		errors.Is(err, order.ErrInsufficientStock),
		errors.Is(err, order.ErrPaymentDeclined),
		errors.Is(err, order.ErrInvalidTransition):
		return codes.FailedPrecondition
	case errors.Is(err, order.ErrConcurrentUpdate):
		return codes.Aborted
	case errors.Is(err, app.ErrDependencyUnavailable), errors.Is(err, app.ErrShuttingDown):
		return codes.Unavailable
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	default:
		return codes.Internal
	}
}

// status turns err into a gRPC status. Unexpected errors are logged here and reach the
// client without their details.
func (s *GRPCServer) status(ctx context.Context, err error) error {
	code := codeOf(err)
	if code == codes.Internal {
		s.logger.ErrorContext(ctx, "internal error", slog.String("error", err.Error()))
		return status.Error(codes.Internal, "internal error")
	}
	return status.Error(code, err.Error())
}

var statusToProto = map[order.Status]ordersv1.OrderStatus{
	order.StatusPending:   ordersv1.OrderStatus_ORDER_STATUS_PENDING,
	order.StatusConfirmed: ordersv1.OrderStatus_ORDER_STATUS_CONFIRMED,
	order.StatusCancelled: ordersv1.OrderStatus_ORDER_STATUS_CANCELLED,
}

func toProto(o *order.Order) *ordersv1.Order {
	p := &ordersv1.Order{
		Id:                 o.ID(),
		CustomerId:         o.CustomerID(),
		TotalCents:         o.TotalCents(),
		Currency:           o.Currency(),
		Status:             statusToProto[o.Status()],
		CancellationReason: o.CancellationReason(),
		CreatedAt:          timestamppb.New(o.CreatedAt()),
		UpdatedAt:          timestamppb.New(o.UpdatedAt()),
	}
	for _, l := range o.Lines() {
		p.Lines = append(p.Lines, &ordersv1.OrderLine{Sku: l.SKU, Quantity: l.Quantity, UnitPriceCents: l.UnitPriceCents})
	}
	return p
}
