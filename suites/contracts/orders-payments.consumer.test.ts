/**
 * Consumer contract over gRPC: orders calls payments (shop.payments.v1.PaymentsService) to
 * charge an order and to refund it (targets/shop/orders/internal/adapters/payment_grpc_client.go).
 * Orders reads the charged payment's id and the status codes; nothing else is asserted.
 * The pact lands in pacts/orders-payments.json.
 */
import fs from "node:fs";
import path from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timings } from "../../src/contracts/timings.ts";
import { projectRoot } from "../../src/paths.ts";
import { grpcInteraction, rejectionOf } from "./support/grpc-consumer.ts";
import { CAPTURED_PAYMENT_ID, CHARGED_ORDER_ID, UUID_REGEX } from "./support/grpc-fixtures.ts";
import { GrpcStatusError, protoFile } from "./support/shop-grpc.ts";

const PACT_DIR = path.join(projectRoot(), "pacts");
const PACT_FILE = path.join(PACT_DIR, "orders-payments.json");
const PROTO = protoFile("payments");
const SERVICE = "shop.payments.v1.PaymentsService";

const pact = new PactV4({ consumer: "orders", provider: "payments", dir: PACT_DIR, logLevel: "warn" });
const timings = new Timings("orders-payments.consumer");

describe("orders -> payments (gRPC consumer contract)", () => {
  beforeAll(() => fs.rmSync(PACT_FILE, { force: true }));
  afterAll(() => timings.report());

  it("charges an order and learns the payment's id", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to charge 5000 EUR for an order",
        states: [`no payment was taken for order ${CHARGED_ORDER_ID}`],
        proto: PROTO,
        method: "PaymentsService/Charge",
        request: {
          idempotency_key: `matching(regex, '^order-.+-charge$', 'order-${CHARGED_ORDER_ID}-charge')`,
          order_id: `matching(regex, '${UUID_REGEX}', '${CHARGED_ORDER_ID}')`,
          amount_cents: "matching(integer, 5000)",
          currency: "EUR",
        },
        response: { payment: { id: "notEmpty('pay-1')" } },
      },
      async (payments) => {
        const res = await payments.call<{ payment: { id: string } }>("Charge", {
          idempotency_key: `order-${CHARGED_ORDER_ID}-charge`,
          order_id: CHARGED_ORDER_ID,
          amount_cents: 5000,
          currency: "EUR",
        });
        expect(res.payment.id).toBe("pay-1");
      },
    );
  });

  it("is told FAILED_PRECONDITION when a charge is declined", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to charge more than the decline limit",
        states: [`no payment was taken for order ${CHARGED_ORDER_ID}`],
        proto: PROTO,
        method: "PaymentsService/Charge",
        request: {
          idempotency_key: `matching(regex, '^order-.+-charge$', 'order-${CHARGED_ORDER_ID}-charge')`,
          order_id: CHARGED_ORDER_ID,
          amount_cents: 120000,
          currency: "EUR",
        },
        responseMetadata: { "grpc-status": "FAILED_PRECONDITION" },
      },
      async (payments) => {
        const err = await rejectionOf(
          payments.call("Charge", {
            idempotency_key: `order-${CHARGED_ORDER_ID}-charge`,
            order_id: CHARGED_ORDER_ID,
            amount_cents: 120000,
            currency: "EUR",
          }),
        );
        expect(err).toBeInstanceOf(GrpcStatusError);
        expect((err as GrpcStatusError).code).toBe(9); // FAILED_PRECONDITION: orders cancels, nothing to undo
      },
    );
  });

  it("refunds a captured payment", async () => {
    await grpcInteraction(
      pact,
      timings,
      SERVICE,
      {
        description: "a request to refund a captured payment",
        states: [`payment ${CAPTURED_PAYMENT_ID} of 5000 EUR for order ${CHARGED_ORDER_ID} was captured`],
        proto: PROTO,
        method: "PaymentsService/Refund",
        request: {
          idempotency_key: `matching(regex, '^order-.+-refund$', 'order-${CHARGED_ORDER_ID}-refund')`,
          payment_id: CAPTURED_PAYMENT_ID,
        },
        response: { payment: { id: CAPTURED_PAYMENT_ID, status: "PAYMENT_STATUS_REFUNDED" } },
      },
      async (payments) => {
        const res = await payments.call<{ payment: { status: string } }>("Refund", {
          idempotency_key: `order-${CHARGED_ORDER_ID}-refund`,
          payment_id: CAPTURED_PAYMENT_ID,
        });
        expect(res.payment.status).toBe("PAYMENT_STATUS_REFUNDED");
      },
    );
  });
});
