import { defineLoadScenario } from "../../src/load/scenario.ts";
import { seedOrders } from "./_orders.ts";

/** The shop's REST API through the gateway: place orders, read them back, list the catalogue. */
export default defineLoadScenario({
  description:
    "create_order, get_order and list_products through the gateway; every request must work and be quick",
  profile: "smoke",
  rate: 20,
  vus: 2,
  setup: [seedOrders],
  requests: [
    {
      name: "create_order",
      weight: 1,
      service: "gateway",
      method: "POST",
      path: "/v1/orders",
      headers: { "Idempotency-Key": "{{uuid}}" },
      body: { customer_id: "load-{{seq}}", currency: "EUR", lines: [{ sku: "SKU-1", quantity: 1 }] },
    },
    { name: "get_order", weight: 2, service: "gateway", path: "/v1/orders/{{var:orderIds}}" },
    { name: "list_products", weight: 2, service: "gateway", path: "/v1/products" },
  ],
  thresholds: {
    http_req_failed: ["rate<0.01"],
    http_req_duration: ["p(95)<1500"],
    "http_req_duration{name:list_products}": ["p(95)<1000"],
    "http_reqs{name:create_order}": ["count>0"],
  },
});
