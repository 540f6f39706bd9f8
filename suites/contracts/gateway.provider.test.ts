/**
 * Provider verification of `gateway` against the real shop stack: every interaction of
 * pacts/storefront-gateway.json is replayed against the running gateway, with the provider
 * states of suites/contracts/providers/gateway.ts. Then the gateway's breaking-change
 * sabotage (the order's "status" renamed "state") must make verification fail, naming the
 * interactions and the mismatch.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VerificationError } from "../../src/contracts/errors.ts";
import { Timings } from "../../src/contracts/timings.ts";
import { verifyProvider } from "../../src/contracts/verify.ts";
import { projectRoot } from "../../src/paths.ts";
import gateway from "./providers/gateway.ts";
import { useProviderStack } from "./support/provider-fixture.ts";

const PACT = path.join(projectRoot(), "pacts", "storefront-gateway.json");
const INTERACTIONS = [
  "a request for a confirmed order",
  "a request for an order that does not exist",
  "a request for product SKU-1",
  "a request for product SKU-1 over the rate limit",
  "a request to place an order for 2 of SKU-1",
];
const timings = new Timings("gateway.provider");

describe("gateway honours the storefront's pact (real stack)", () => {
  const ctx = useProviderStack(gateway, PACT);
  afterAll(() => timings.report());

  it("verifies every interaction of the pact, five times in a row", async () => {
    for (let run = 0; run < 5; run++) {
      const report = await verifyProvider({
        provider: "gateway",
        source: { kind: "files", pacts: [PACT] },
        providerBaseUrl: ctx.provider.providerBaseUrl!,
        stateHandlers: ctx.provider.stateHandlers!,
        beforeEach: ctx.provider.beforeEach!,
      });
      timings.add("provider verification (5 interactions)", report.durationMs);
      expect(report.passed).toBe(true);
      expect(report.interactions.map((i) => i.description).sort()).toEqual(INTERACTIONS);
      expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
    }
  });

  it("fails when the gateway renames the order's status to state, naming the interactions and the mismatch", async () => {
    const sabotaged = await gateway.setUp(ctx.stack, { providerEnv: { SHOP_SABOTAGE: "breaking-change" } });
    try {
      const outcome = await verifyProvider({
        provider: "gateway",
        source: { kind: "files", pacts: [PACT] },
        providerBaseUrl: sabotaged.providerBaseUrl!,
        stateHandlers: sabotaged.stateHandlers!,
        beforeEach: sabotaged.beforeEach!,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(VerificationError);
      const err = outcome as VerificationError;
      // The verifier's own outcome, carried by the error.
      expect(err.report?.passed).toBe(false);
      console.log(`what a provider team sees:\n${err.message}`);
      // Exactly the two interactions whose response carries an order fail ...
      expect(err.failures.map((f) => f.description).sort()).toEqual([
        "a request for a confirmed order",
        "a request to place an order for 2 of SKU-1",
      ]);
      // ... and the mismatch names the missing field.
      for (const f of err.failures)
        expect(f.mismatches.join("\n")).toMatch(/missing the following keys: status/);
      expect(err.message).toContain("a request to place an order for 2 of SKU-1");
      expect(err.message).toMatch(/missing the following keys: status/);
    } finally {
      await sabotaged[Symbol.asyncDispose]();
    }
  });
});
