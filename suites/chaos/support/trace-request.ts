/** The request the observability checks send to the shop: one order through the gateway. */
import type { ObservedRequest } from "../../../src/trace/observe.ts";

export function shopOrderRequest(key: string, sku = "SKU-1"): ObservedRequest {
  return {
    method: "POST",
    path: "/v1/orders",
    headers: { "idempotency-key": key },
    body: { customer_id: "c-trace", currency: "EUR", lines: [{ sku, quantity: 1 }] },
    markersOf: (a) =>
      a && typeof a === "object" && typeof (a as { id?: unknown }).id === "string"
        ? [(a as { id: string }).id]
        : [],
  };
}
