// Package ports exposes the orders use cases over gRPC. It is the only place where
// domain and app errors become gRPC status codes.
package ports

import (
	"context"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"faultline.dev/shop/platform/grpcx"
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

// ErrorDomain is the errdetails.ErrorInfo domain of every error this service returns.
const ErrorDomain = "orders.shop.faultline.dev"

// errorCodes maps each domain and app error to its status code and the ErrorInfo reason
// clients may switch on. Order matters only for errors that wrap several sentinels.
var errorCodes = []grpcx.ErrorCode{
	{Err: order.ErrInvalidOrder, Code: codes.InvalidArgument, Reason: "INVALID_ORDER"},
	{Err: order.ErrCurrencyMismatch, Code: codes.InvalidArgument, Reason: "CURRENCY_MISMATCH"},
	{Err: order.ErrNotFound, Code: codes.NotFound, Reason: "ORDER_NOT_FOUND"},
	{Err: order.ErrProductNotFound, Code: codes.FailedPrecondition, Reason: "PRODUCT_NOT_FOUND"},
	{Err: order.ErrInsufficientStock, Code: codes.FailedPrecondition, Reason: "INSUFFICIENT_STOCK"},
	{Err: order.ErrPaymentDeclined, Code: codes.FailedPrecondition, Reason: "PAYMENT_DECLINED"},
	{Err: order.ErrInvalidTransition, Code: codes.FailedPrecondition, Reason: "INVALID_TRANSITION"},
	{Err: order.ErrConcurrentUpdate, Code: codes.Aborted, Reason: "CONCURRENT_UPDATE"},
	{Err: app.ErrDependencyUnavailable, Code: codes.Unavailable, Reason: "DEPENDENCY_UNAVAILABLE"},
	{Err: app.ErrShuttingDown, Code: codes.Unavailable, Reason: "SHUTTING_DOWN"},
}

// status maps err to a gRPC status through the table above (context errors keep their
// codes); anything else is logged and reaches the client as Internal without its details.
func (s *GRPCServer) status(ctx context.Context, err error) error {
	return grpcx.ErrorMapper{Domain: ErrorDomain, Codes: errorCodes, Logger: s.logger}.Status(ctx, err)
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
