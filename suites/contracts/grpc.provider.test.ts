/**
 * Provider verification of the shop's internal gRPC edges against the real stack: orders
 * (pacts/gateway-orders.json), payments (pacts/orders-payments.json) and inventory
 * (pacts/orders-inventory.json), each replayed over gRPC by the Pact FFI verifier through
 * faultline's protobuf plugin, with the provider states of suites/contracts/providers/.
 * One stack serves the three providers.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ProviderHarness, ProviderSetup } from "../../src/contracts/provider-harness.ts";
import { Timings } from "../../src/contracts/timings.ts";
import { verifyProvider } from "../../src/contracts/verify.ts";
import { loadManifest } from "../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { projectRoot } from "../../src/paths.ts";
import inventory from "./providers/inventory.ts";
import orders from "./providers/orders.ts";
import payments from "./providers/payments.ts";

const pactOf = (name: string) => path.join(projectRoot(), "pacts", `${name}.json`);
const timings = new Timings("grpc.provider");

const CASES: { harness: ProviderHarness; pact: string; interactions: string[] }[] = [
  {
    harness: orders,
    pact: pactOf("gateway-orders"),
    interactions: [
      "a request for a confirmed order",
      "a request for an order that does not exist",
      "a request to create an order for 2 of SKU-1",
    ],
  },
  {
    harness: payments,
    pact: pactOf("orders-payments"),
    interactions: [
      "a request to charge 5000 EUR for an order",
      "a request to charge more than the decline limit",
      "a request to refund a captured payment",
    ],
  },
  {
    harness: inventory,
    pact: pactOf("orders-inventory"),
    interactions: [
      "a request to release a reservation",
      "a request to reserve 2 of SKU-1",
      "a request to reserve more of SKU-2 than is in stock",
    ],
  },
];

describe("orders, payments and inventory honour their gRPC consumers' pacts (real stack)", () => {
  let stack: StartedStack;
  const setups = new Map<string, ProviderSetup>();

  beforeAll(async () => {
    for (const c of CASES)
      if (!fs.existsSync(c.pact))
        throw new Error(`${c.pact} is missing: run the consumer test first (faultline contracts test)`);
    stack = await new Environment(await loadManifest("shop", projectRoot())).start();
    for (const c of CASES) setups.set(c.harness.provider, await c.harness.setUp(stack));
  });
  afterAll(async () => {
    for (const s of setups.values()) await s[Symbol.asyncDispose]();
    await stack?.stop();
    timings.report();
  });
  beforeEach(async () => {
    await stack.reset();
  });

  for (const c of CASES) {
    it(`${c.harness.provider}: every interaction of ${path.basename(c.pact)} passes over gRPC, three times in a row`, async () => {
      const setup = setups.get(c.harness.provider)!;
      for (let run = 0; run < 3; run++) {
        const report = await verifyProvider({
          provider: c.harness.provider,
          source: { kind: "files", pacts: [c.pact] },
          transports: setup.transports!,
          providerProtos: setup.providerProtos!,
          stateHandlers: setup.stateHandlers!,
        });
        timings.add(`provider verification (${c.harness.provider}, 3 interactions)`, report.durationMs);
        expect(report.interactions.map((i) => i.description).sort()).toEqual(c.interactions);
        expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
      }
    });
  }
});
