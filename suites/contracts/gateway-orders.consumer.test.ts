/**
 * Consumer contract over gRPC: the gateway calls orders (shop.orders.v1.OrdersService) with
 * CreateOrder and GetOrder. Each test drives a gRPC client against the gRPC mock server of
 * faultline's Pact protobuf plugin (tools/pact-protobuf-plugin); the pact lands in
 * pacts/gateway-orders.json (V4 synchronous messages, descriptors and proto in the pact).
 * Only what the gateway reads (targets/shop/gateway/internal/adapters/orders_grpc_client.go)
 * is asserted.
 */
import fs from "node:fs";
import path from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timings } from "../../src/contracts/timings.ts";
import { projectRoot } from "../../src/paths.ts";
import { grpcInteraction, rejectionOf } from "./support/grpc-consumer.ts";
import { CONFIRMED_ORDER_ID, MISSING_ORDER_ID, UUID_REGEX } from "./support/grpc-fixtures.ts";
import { GrpcStatusError, protoFile } from "./support/shop-grpc.ts";

const PACT_DIR = path.join(projectRoot(), "pacts");
const PACT_FILE = path.join(PACT_DIR, "gateway-orders.json");
const PROTO = protoFile("orders");
const SERVICE = "shop.orders.v1.OrdersService";

const pact = new PactV4({ consumer: "gateway", provider: "orders", dir: PACT_DIR, logLevel: "warn" });
const timings = new Timings("gateway-orders.consumer");

/** The order fields the gateway reads, for an order of 2 x SKU-1 by c-1. */
const orderOf = (id: string, status: string) => ({
  id,
  customer_id: "c-1",
  currency: "EUR",
  total_cents: "matching(integer, 5000)",
  status,
  lines: { sku: "SKU-1", quantity: 2, unit_price_cents: "matching(integer, 2500)" },
});

describe("gateway -> orders (gRPC consumer contract)", () => {
  beforeAll(() => fs.rmSync(PACT_FILE, { force: true }));
  afterAll(() => timings.report());

  it("creates an order and reads it back confirmed or pending", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to create an order for 2 of SKU-1",
        states: ["product SKU-1 has 5 in stock"],
        proto: PROTO,
        method: "OrdersService/CreateOrder",
        request: {
          idempotency_key: "notEmpty('9b2d7c4e-1f3a-4e8b-a6c5-0d2e4f6a8b10')",
          customer_id: "c-1",
          currency: "EUR",
          lines: [{ sku: "SKU-1", quantity: 2 }],
        },
        response: {
          order: orderOf(
            `matching(regex, '${UUID_REGEX}', '${CONFIRMED_ORDER_ID}')`,
            "matching(regex, '^ORDER_STATUS_(PENDING|CONFIRMED)$', 'ORDER_STATUS_CONFIRMED')",
          ),
        },
      },
      async (orders) => {
        const res = await orders.call<{ order: Record<string, unknown> }>("CreateOrder", {
          idempotency_key: "9b2d7c4e-1f3a-4e8b-a6c5-0d2e4f6a8b10",
          customer_id: "c-1",
          currency: "EUR",
          lines: [{ sku: "SKU-1", quantity: 2 }],
        });
        expect(res.order.id).toBe(CONFIRMED_ORDER_ID);
        expect(res.order.status).toBe("ORDER_STATUS_CONFIRMED");
        expect(res.order.total_cents).toBe(5000);
      },
    );
  });

  it("reads a confirmed order by its id", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request for a confirmed order",
        states: [`order ${CONFIRMED_ORDER_ID} for 2 of SKU-1 by customer c-1 is confirmed`],
        proto: PROTO,
        method: "OrdersService/GetOrder",
        request: { id: CONFIRMED_ORDER_ID },
        response: { order: orderOf(CONFIRMED_ORDER_ID, "ORDER_STATUS_CONFIRMED") },
      },
      async (orders) => {
        const res = await orders.call<{ order: Record<string, unknown> }>("GetOrder", {
          id: CONFIRMED_ORDER_ID,
        });
        expect(res.order.status).toBe("ORDER_STATUS_CONFIRMED");
        expect(res.order.lines).toEqual([{ sku: "SKU-1", quantity: 2, unit_price_cents: 2500 }]);
      },
    );
  });

  it("gets NOT_FOUND for an order that does not exist", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request for an order that does not exist",
        states: [`order ${MISSING_ORDER_ID} does not exist`],
        proto: PROTO,
        method: "OrdersService/GetOrder",
        request: { id: MISSING_ORDER_ID },
        responseMetadata: { "grpc-status": "NOT_FOUND", "grpc-message": "matching(type, 'order not found')" },
      },
      async (orders) => {
        const err = await rejectionOf(orders.call("GetOrder", { id: MISSING_ORDER_ID }));
        expect(err).toBeInstanceOf(GrpcStatusError);
        expect((err as GrpcStatusError).code).toBe(5); // NOT_FOUND: the gateway answers 404
      },
    );
  });
});
