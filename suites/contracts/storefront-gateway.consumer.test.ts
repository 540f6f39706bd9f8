/**
 * Consumer contract: the storefront (targets/shop/storefront) against the gateway's REST API.
 * Each test drives the real storefront client against Pact's mock server; the pact lands in
 * pacts/storefront-gateway.json (V4). Only what the storefront reads is asserted.
 *
 * All interactions of this pact live in this one file: parallel workers writing one pact
 * file lose interactions (pact-js #599).
 */
import fs from "node:fs";
import path from "node:path";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Timings } from "../../src/contracts/timings.ts";
import { projectRoot } from "../../src/paths.ts";
import {
  NotFoundError,
  RateLimitedError,
  StorefrontClient,
} from "../../targets/shop/storefront/storefront-client.ts";

const { eachLike, fromProviderState, integer, regex, string, uuid } = MatchersV3;

const PACT_DIR = path.join(projectRoot(), "pacts");
const PACT_FILE = path.join(PACT_DIR, "storefront-gateway.json");
const EXAMPLE_ORDER_ID = "3f6e0a52-9c1e-4a57-b2a4-6d1f0c8e9b21";
const EXAMPLE_KEY = "9b2d7c4e-1f3a-4e8b-a6c5-0d2e4f6a8b10";
const MISSING_ORDER_ID = "00000000-0000-4000-8000-000000000404";
const JSON_CONTENT = regex("^application/json", "application/json");

const provider = new PactV4({
  consumer: "storefront",
  provider: "gateway",
  dir: PACT_DIR,
  logLevel: "warn",
});
const timings = new Timings("storefront-gateway.consumer");

/** The order body the storefront reads, for an order of 2 × SKU-1 that was confirmed. */
const confirmedOrder = (id: unknown) => ({
  id,
  status: "confirmed",
  total_cents: integer(5000),
  currency: "EUR",
  lines: eachLike({ sku: "SKU-1", quantity: 2 }),
  cancellation_reason: string(""),
});

describe("storefront -> gateway (HTTP consumer contract)", () => {
  beforeAll(() => {
    // The pact is regenerated from these tests each run; the FFI would otherwise merge into
    // an old file and keep interactions that no longer exist.
    fs.rmSync(PACT_FILE, { force: true });
  });
  afterAll(() => {
    timings.report();
  });

  it("places an order and shows it confirmed", async () => {
    await provider
      .addInteraction()
      .given("product SKU-1 has 5 in stock")
      .given("the storefront's idempotency key has not been used")
      .uponReceiving("a request to place an order for 2 of SKU-1")
      .withRequest("POST", "/v1/orders", (b) => {
        b.headers({
          "Content-Type": "application/json",
          "Idempotency-Key": fromProviderState("${idempotencyKey}", EXAMPLE_KEY),
        }).jsonBody({ customer_id: "c-1", currency: "EUR", lines: [{ sku: "SKU-1", quantity: 2 }] });
      })
      .willRespondWith(201, (b) => {
        b.headers({ "Content-Type": JSON_CONTENT }).jsonBody(confirmedOrder(uuid(EXAMPLE_ORDER_ID)));
      })
      .executeTest((mock) =>
        timings.time("consumer interaction", async () => {
          const storefront = new StorefrontClient(mock.url, { idempotencyKey: () => EXAMPLE_KEY });
          const order = await storefront.placeOrder({
            customerId: "c-1",
            currency: "EUR",
            lines: [{ sku: "SKU-1", quantity: 2 }],
          });
          expect(order).toEqual({
            id: EXAMPLE_ORDER_ID,
            status: "confirmed",
            totalCents: 5000,
            currency: "EUR",
            lines: [{ sku: "SKU-1", quantity: 2 }],
            cancellationReason: "",
          });
        }),
      );
  });

  it("reads an order by its id", async () => {
    await provider
      .addInteraction()
      .given("an order for 2 of SKU-1 by customer c-1 is confirmed")
      .uponReceiving("a request for a confirmed order")
      .withRequest("GET", fromProviderState("/v1/orders/${orderId}", `/v1/orders/${EXAMPLE_ORDER_ID}`))
      .willRespondWith(200, (b) => {
        b.headers({ "Content-Type": JSON_CONTENT }).jsonBody(
          confirmedOrder(fromProviderState("${orderId}", EXAMPLE_ORDER_ID)),
        );
      })
      .executeTest((mock) =>
        timings.time("consumer interaction", async () => {
          const order = await new StorefrontClient(mock.url).order(EXAMPLE_ORDER_ID);
          expect(order.id).toBe(EXAMPLE_ORDER_ID);
          expect(order.status).toBe("confirmed");
          expect(order.totalCents).toBe(5000);
          expect(order.lines).toEqual([{ sku: "SKU-1", quantity: 2 }]);
        }),
      );
  });

  it("reads a product with its stock", async () => {
    await provider
      .addInteraction()
      .given("product SKU-1 has 5 in stock")
      .uponReceiving("a request for product SKU-1")
      .withRequest("GET", "/v1/products/SKU-1")
      .willRespondWith(200, (b) => {
        b.headers({ "Content-Type": JSON_CONTENT }).jsonBody({
          sku: "SKU-1",
          name: string("Widget"),
          price_cents: integer(2500),
          currency: string("EUR"),
          available: 5,
        });
      })
      .executeTest((mock) =>
        timings.time("consumer interaction", async () => {
          const product = await new StorefrontClient(mock.url).product("SKU-1");
          expect(product).toEqual({
            sku: "SKU-1",
            name: "Widget",
            priceCents: 2500,
            currency: "EUR",
            available: 5,
          });
        }),
      );
  });

  it("tells the shopper an order does not exist (404)", async () => {
    await provider
      .addInteraction()
      .given(`order ${MISSING_ORDER_ID} does not exist`)
      .uponReceiving("a request for an order that does not exist")
      .withRequest("GET", `/v1/orders/${MISSING_ORDER_ID}`)
      .willRespondWith(404, (b) => {
        b.headers({ "Content-Type": JSON_CONTENT }).jsonBody({
          error: { code: "not_found", message: string("order not found") },
        });
      })
      .executeTest((mock) =>
        timings.time("consumer interaction", async () => {
          const err = await new StorefrontClient(mock.url).order(MISSING_ORDER_ID).catch((e: unknown) => e);
          expect(err).toBeInstanceOf(NotFoundError);
          expect(err).toMatchObject({ status: 404, code: "not_found", message: "order not found" });
        }),
      );
  });

  it("backs off when the gateway's rate limit is used up (429)", async () => {
    await provider
      .addInteraction()
      .given("the gateway's rate limit is used up")
      .uponReceiving("a request for product SKU-1 over the rate limit")
      .withRequest("GET", "/v1/products/SKU-1")
      .willRespondWith(429, (b) => {
        b.headers({ "Content-Type": JSON_CONTENT, "Retry-After": regex("^[1-9][0-9]*$", "1") }).jsonBody({
          error: { code: "rate_limited", message: string("rate limit exceeded") },
        });
      })
      .executeTest((mock) =>
        timings.time("consumer interaction", async () => {
          const err = await new StorefrontClient(mock.url).product("SKU-1").catch((e: unknown) => e);
          expect(err).toBeInstanceOf(RateLimitedError);
          expect(err).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 1 });
        }),
      );
  });

  it("wrote every interaction to pacts/storefront-gateway.json (V4)", () => {
    const pact = JSON.parse(fs.readFileSync(PACT_FILE, "utf8")) as {
      consumer: { name: string };
      provider: { name: string };
      interactions: { description: string; type: string }[];
      metadata: { pactSpecification: { version: string } };
    };
    expect(pact.consumer.name).toBe("storefront");
    expect(pact.provider.name).toBe("gateway");
    expect(pact.metadata.pactSpecification.version).toBe("4.0");
    expect(pact.interactions.map((i) => i.description).sort()).toEqual([
      "a request for a confirmed order",
      "a request for an order that does not exist",
      "a request for product SKU-1",
      "a request for product SKU-1 over the rate limit",
      "a request to place an order for 2 of SKU-1",
    ]);
    expect(new Set(pact.interactions.map((i) => i.type))).toEqual(new Set(["Synchronous/HTTP"]));
  });
});
