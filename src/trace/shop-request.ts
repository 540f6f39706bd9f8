/** The request the observability checks send to the shop: one order through the gateway. */
import type { ObservedRequest } from "./observe.ts";

export function shopOrderRequest(key: string): ObservedRequest {
  return {
    method: "POST",
    path: "/v1/orders",
    headers: { "idempotency-key": key },
    body: { customer_id: "c-trace", currency: "EUR", lines: [{ sku: "SKU-1", quantity: 1 }] },
    markersOf: (a) =>
      a && typeof a === "object" && typeof (a as { id?: unknown }).id === "string"
        ? [(a as { id: string }).id]
        : [],
  };
}
