/**
 * Provider harness of `orders`: its gRPC API (pacts/gateway-orders.json, verified over gRPC
 * through faultline's protobuf plugin; states reset orders' and inventory's databases, then
 * seed the order or stock they name) and its Kafka messages (pacts/notifications-orders.json).
 * Each provider state makes the REAL orders service emit the event: it resets inventory,
 * then places an order through the stack's gateway (SKU-1 is confirmed; SKU-3 is priced above
 * payments' decline limit, so its payment is declined and the order cancelled). The harness
 * reads the real record from shop.orders.events with kafkajs and hands its value and
 * metadata (topic, key, headers) to Pact's message verification.
 */
import type { MessageFromProviderWithMetadata, MessageProviders } from "@pact-foundation/pact";
import { KafkaEventLog, type KafkaRecord } from "../../../src/contracts/kafka-events.ts";
import { defineProviderHarness, type ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { CONFIRMED_ORDER_ID, MISSING_ORDER_ID } from "../support/grpc-fixtures.ts";
import { grpcUnderTest, SHOP_PROTOS } from "./grpc-provider.ts";
import { InventoryData, OrdersData, placeOrder } from "./shop-data.ts";

const TOPIC = "shop.orders.events";

export default defineProviderHarness({
  provider: "orders",
  target: "shop",
  async setUp(stack, opts = {}): Promise<ProviderSetup> {
    const events = await KafkaEventLog.start(stack.kafkaBrokers(), TOPIC);
    const inventory = new InventoryData(stack);
    const orders = new OrdersData(stack);
    // gRPC is verified against the stack's own orders, or a second one with providerEnv or an image;
    // the Kafka messages always come from the stack's own.
    const grpc = await grpcUnderTest(stack, "orders", opts);
    /** The order the current interaction's provider state placed. */
    let current: { orderId: string } | undefined;

    const seed = async (sku: string, expected: "confirmed" | "cancelled") => {
      await inventory.reset();
      const order = await placeOrder(stack.entrypointUrl, [{ sku, quantity: 1 }]);
      if (order.status !== expected)
        throw new Error(`State setup: order ${order.id} of ${sku} ended ${order.status}, not ${expected}`);
      current = { orderId: order.id };
      return undefined;
    };

    /** The real event of `type` the current order emitted, as value + metadata. */
    const emitted = (type: string) => async (): Promise<MessageFromProviderWithMetadata> => {
      if (!current)
        throw new Error(`No provider state placed an order before the ${type} event was asked for`);
      const orderId = current.orderId;
      const r: KafkaRecord = await events.waitFor(
        (x) => x.key === orderId && x.headers["event-type"] === type,
        `${type} of order ${orderId}`,
      );
      return {
        __pactMessageMetadata: { topic: r.topic, ...(r.key ? { key: r.key } : {}), ...r.headers },
        message: JSON.parse(r.value) as unknown,
      };
    };

    const messageProviders: MessageProviders = {
      "an order.created event": emitted("order.created"),
      "an order.confirmed event": emitted("order.confirmed"),
      "an order.cancelled event with the reason": emitted("order.cancelled"),
    };

    const stop = async () => {
      await events.stop().catch(() => undefined);
      await grpc.stop();
      await inventory[Symbol.asyncDispose]();
      await orders[Symbol.asyncDispose]();
    };
    return {
      messageProviders,
      transports: [{ protocol: "grpc", port: grpc.port }],
      providerProtos: [opts.protos ?? SHOP_PROTOS],
      beforeEach: async () => {
        current = undefined;
      },
      stateHandlers: {
        // gRPC (gateway -> orders)
        "product SKU-1 has 5 in stock": async () => {
          await orders.reset();
          await inventory.reset();
          await inventory.setStock("SKU-1", 5);
          return undefined;
        },
        [`order ${CONFIRMED_ORDER_ID} for 2 of SKU-1 by customer c-1 is confirmed`]: async () => {
          await orders.reset();
          await orders.confirmed(CONFIRMED_ORDER_ID, "c-1", [
            { sku: "SKU-1", quantity: 2, unitPriceCents: 2500 },
          ]);
          return undefined;
        },
        [`order ${MISSING_ORDER_ID} does not exist`]: async () => {
          await orders.reset();
          return undefined;
        },
        // Kafka messages (notifications <- orders)
        "an order for 1 of SKU-1 was placed": () => seed("SKU-1", "confirmed"),
        "an order for 1 of SKU-1 was confirmed": () => seed("SKU-1", "confirmed"),
        "an order for 1 of SKU-3 was cancelled because its payment was declined": () =>
          seed("SKU-3", "cancelled"),
      },
      [Symbol.asyncDispose]: stop,
    };
  },
});
