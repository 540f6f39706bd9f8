import type { SetupSpec } from "../../src/load/scenario.ts";

/** Setup shared by scenarios that read orders back: three orders through the gateway, ids in {{var:orderIds}}. */
export const seedOrders: SetupSpec = {
  name: "orders to read back",
  service: "gateway",
  method: "POST",
  path: "/v1/orders",
  headers: { "Idempotency-Key": "{{uuid}}" },
  body: { customer_id: "load-setup", currency: "EUR", lines: [{ sku: "SKU-1", quantity: 1 }] },
  repeat: 3,
  capture: { orderIds: "id" },
};
