/**
 * Provider harness of `gateway` (pacts/storefront-gateway.json): the real gateway of a
 * running shop stack, its provider states as facts, each handler resetting then seeding.
 *
 * - stock lives in inventory's database: states reset it to the manifest's catalog, then set
 *   the stock they name;
 * - orders are placed through the stack's own gateway (not the one under test);
 * - "the gateway's rate limit is used up" routes the interaction to a second gateway
 *   started with a bucket of one request per 1000 s, and spends that request first: the
 *   429 comes from the gateway's own limiter, deterministically.
 */
import { randomUUID } from "node:crypto";
import { defineProviderHarness, type ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { startProviderRouter } from "../../../src/contracts/provider-router.ts";
import { startServiceVariant, type StartedServiceVariant } from "../../../src/env/service-variant.ts";
import { InventoryData, placeOrder } from "./shop-data.ts";

export default defineProviderHarness({
  provider: "gateway",
  target: "shop",
  async setUp(stack, opts = {}): Promise<ProviderSetup> {
    const variants: StartedServiceVariant[] = [];
    const inventory = new InventoryData(stack);
    try {
      const providerEnv = opts.providerEnv ?? {};
      // The gateway under test: the stack's own, or a second one with the given environment.
      const underTest =
        Object.keys(providerEnv).length === 0
          ? stack.entrypointUrl
          : (variants.push(await startServiceVariant(stack, "gateway", "under-test", providerEnv)),
            variants.at(-1)!.url);
      const limited = await startServiceVariant(stack, "gateway", "rate-limited", {
        ...providerEnv,
        RATE_LIMIT_RPS: "0.001",
        RATE_LIMIT_BURST: "1",
      });
      variants.push(limited);
      const router = await startProviderRouter(underTest);

      const stop = async () => {
        await router.stop();
        await Promise.allSettled(variants.map((v) => v.stop()));
        await inventory[Symbol.asyncDispose]();
      };
      return {
        providerBaseUrl: router.url,
        beforeEach: async () => {
          router.reset();
        },
        stateHandlers: {
          "product SKU-1 has 5 in stock": async () => {
            await inventory.reset();
            await inventory.setStock("SKU-1", 5);
            return undefined;
          },
          "the storefront's idempotency key has not been used": async () => ({
            idempotencyKey: randomUUID(),
          }),
          "an order for 2 of SKU-1 by customer c-1 is confirmed": async () => {
            await inventory.reset();
            const order = await placeOrder(stack.entrypointUrl, [{ sku: "SKU-1", quantity: 2 }], "c-1");
            if (order.status !== "confirmed")
              throw new Error(`State setup: order ${order.id} ended ${order.status}, not confirmed`);
            return { orderId: order.id };
          },
          "order 00000000-0000-4000-8000-000000000404 does not exist": async () => {
            // Order IDs are random UUIDs: this one is never created. Reset the rest.
            await inventory.reset();
            return undefined;
          },
          "the gateway's rate limit is used up": async () => {
            await inventory.reset();
            router.routeTo(limited.url);
            for (let i = 0; i < 3; i++) {
              const res = await fetch(`${limited.url}/v1/products/SKU-2`);
              await res.arrayBuffer();
              if (res.status === 429) return undefined;
            }
            throw new Error(`State setup: the rate-limited gateway never answered 429 (${limited.url})`);
          },
        },
        stop,
        [Symbol.asyncDispose]: stop,
      } as ProviderSetup & { stop(): Promise<void> };
    } catch (err) {
      await Promise.allSettled(variants.map((v) => v.stop()));
      await inventory[Symbol.asyncDispose]();
      throw err;
    }
  },
});
