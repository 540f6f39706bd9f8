/**
 * Consumer contract over gRPC: orders calls inventory (shop.inventory.v1.InventoryService) to
 * reserve an order's stock and to release it (targets/shop/orders/internal/adapters/
 * inventory_grpc_client.go; the reservation ID is the order ID). Orders acts only on the
 * status codes. The pact lands in pacts/orders-inventory.json.
 */
import fs from "node:fs";
import path from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timings } from "../../src/contracts/timings.ts";
import { projectRoot } from "../../src/paths.ts";
import { grpcInteraction, rejectionOf } from "./support/grpc-consumer.ts";
import { RESERVATION_ID } from "./support/grpc-fixtures.ts";
import { GrpcStatusError, protoFile } from "./support/shop-grpc.ts";

const PACT_DIR = path.join(projectRoot(), "pacts");
const PACT_FILE = path.join(PACT_DIR, "orders-inventory.json");
const PROTO = protoFile("inventory");
const SERVICE = "shop.inventory.v1.InventoryService";

const pact = new PactV4({ consumer: "orders", provider: "inventory", dir: PACT_DIR, logLevel: "warn" });
const timings = new Timings("orders-inventory.consumer");

describe("orders -> inventory (gRPC consumer contract)", () => {
  beforeAll(() => fs.rmSync(PACT_FILE, { force: true }));
  afterAll(() => timings.report());

  it("reserves stock for an order", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to reserve 2 of SKU-1",
        states: ["product SKU-1 has 5 in stock"],
        proto: PROTO,
        method: "InventoryService/Reserve",
        request: {
          reservation_id: "notEmpty('" + RESERVATION_ID + "')",
          lines: [{ sku: "SKU-1", quantity: 2 }],
        },
        response: { reservation_id: RESERVATION_ID },
      },
      async (inventory) => {
        const res = await inventory.call<{ reservation_id: string }>("Reserve", {
          reservation_id: RESERVATION_ID,
          lines: [{ sku: "SKU-1", quantity: 2 }],
        });
        expect(res.reservation_id).toBe(RESERVATION_ID);
      },
    );
  });

  it("is told FAILED_PRECONDITION when stock is short", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to reserve more of SKU-2 than is in stock",
        states: ["product SKU-2 has 1 in stock"],
        proto: PROTO,
        method: "InventoryService/Reserve",
        request: { reservation_id: RESERVATION_ID, lines: [{ sku: "SKU-2", quantity: 2 }] },
        responseMetadata: { "grpc-status": "FAILED_PRECONDITION" },
      },
      async (inventory) => {
        const err = await rejectionOf(
          inventory.call("Reserve", {
            reservation_id: RESERVATION_ID,
            lines: [{ sku: "SKU-2", quantity: 2 }],
          }),
        );
        expect(err).toBeInstanceOf(GrpcStatusError);
        expect((err as GrpcStatusError).code).toBe(9); // FAILED_PRECONDITION: the order is cancelled
      },
    );
  });

  it("releases a reservation", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to release a reservation",
        states: [`reservation ${RESERVATION_ID} holds 2 of SKU-1`],
        proto: PROTO,
        method: "InventoryService/Release",
        request: { reservation_id: RESERVATION_ID },
        response: { reservation_id: RESERVATION_ID, released: true },
      },
      async (inventory) => {
        const res = await inventory.call<{ released: boolean }>("Release", {
          reservation_id: RESERVATION_ID,
        });
        expect(res.released).toBe(true);
      },
    );
  });
});
