// Package adapters implements the ports of the orders app: repositories (PostgreSQL and
// in memory), the payments and inventory gRPC clients and the Kafka publisher.
package adapters

import (
	"context"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/orders/internal/app"
	"faultline.dev/shop/orders/internal/domain/order"
)

// MessageFromEvent is the outbox message of e, carrying the trace context and the request
// ID (x-request-id) of ctx (the change that recorded the event), so the trace and the
// request's log lines continue in Kafka consumers.
func MessageFromEvent(ctx context.Context, e order.Event) app.OutboxMessage {
	headers := map[string]string{}
	tracing.InjectKafkaHeaders(ctx, func(k, v string) { headers[k] = v })
	if id := logging.RequestID(ctx); id != "" {
		headers[logging.RequestIDKey] = id
	}
	return app.OutboxMessage{
		EventID:   e.ID,
		EventType: string(e.Type),
		OrderID:   e.OrderID,
		Payload:   e.Payload,
		Headers:   headers,
		CreatedAt: e.OccurredAt,
	}
}
