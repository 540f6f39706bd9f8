import { defineLoadScenario } from "../../src/load/scenario.ts";
import { seedOrders } from "./_orders.ts";

/** The internal gRPC services directly: payments Charge, inventory Reserve, orders GetOrder. */
export default defineLoadScenario({
  description: "Charge, Reserve and GetOrder over gRPC against payments, inventory and orders",
  profile: "smoke",
  rate: 20,
  vus: 2,
  protoRoot: "targets/shop/proto",
  protos: [
    "shop/payments/v1/payments.proto",
    "shop/inventory/v1/inventory.proto",
    "shop/orders/v1/orders.proto",
  ],
  setup: [seedOrders],
  requests: [
    {
      name: "charge",
      service: "payments",
      grpc: {
        method: "shop.payments.v1.PaymentsService/Charge",
        data: { idempotency_key: "{{uuid}}", order_id: "load-{{uuid}}", amount_cents: 100, currency: "EUR" },
      },
    },
    {
      name: "reserve",
      service: "inventory",
      grpc: {
        method: "shop.inventory.v1.InventoryService/Reserve",
        data: { reservation_id: "{{uuid}}", lines: [{ sku: "SKU-1", quantity: 0 }] },
      },
    },
    {
      name: "get_order",
      weight: 2,
      service: "orders",
      grpc: { method: "shop.orders.v1.OrdersService/GetOrder", data: { id: "{{var:orderIds}}" } },
    },
  ],
  thresholds: {
    "grpc_req_failed{name:charge}": ["rate<0.01"],
    "grpc_req_failed{name:get_order}": ["rate<0.01"],
    grpc_req_duration: ["p(95)<1000"],
  },
});
