/**
 * Provider harness of `orders` for its Kafka messages (pacts/notifications-orders.json).
 * Each provider state makes the REAL orders service emit the event: it resets inventory,
 * then places an order through the stack's gateway (SKU-1 is confirmed; SKU-3 is priced above
 * payments' decline limit, so its payment is declined and the order cancelled). The harness
 * reads the real record from shop.orders.events with kafkajs and hands its value and
 * metadata (topic, key, headers) to Pact's message verification.
 */
import type { MessageFromProviderWithMetadata, MessageProviders } from "@pact-foundation/pact";
import { KafkaEventLog, type KafkaRecord } from "../../../src/contracts/kafka-events.ts";
import { defineProviderHarness, type ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { InventoryData, placeOrder } from "./shop-data.ts";

const TOPIC = "shop.orders.events";

export default defineProviderHarness({
  provider: "orders",
  target: "shop",
  async setUp(stack, opts = {}): Promise<ProviderSetup> {
    if (opts.providerEnv && Object.keys(opts.providerEnv).length > 0)
      throw new Error("The orders harness verifies the stack's own orders service; it takes no providerEnv");
    const events = await KafkaEventLog.start(stack.kafkaBrokers(), TOPIC);
    const inventory = new InventoryData(stack);
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
      await inventory[Symbol.asyncDispose]();
    };
    return {
      messageProviders,
      beforeEach: async () => {
        current = undefined;
      },
      stateHandlers: {
        "an order for 1 of SKU-1 was placed": () => seed("SKU-1", "confirmed"),
        "an order for 1 of SKU-1 was confirmed": () => seed("SKU-1", "confirmed"),
        "an order for 1 of SKU-3 was cancelled because its payment was declined": () =>
          seed("SKU-3", "cancelled"),
      },
      [Symbol.asyncDispose]: stop,
    };
  },
});
