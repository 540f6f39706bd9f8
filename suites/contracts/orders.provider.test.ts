/**
 * Provider verification of `orders` (Kafka messages) against the real shop stack: each
 * provider state makes orders emit the event for real, the harness reads it from Kafka and
 * Pact's message verification checks its value and metadata against
 * pacts/notifications-orders.json (suites/contracts/providers/orders.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VerificationError } from "../../src/contracts/errors.ts";
import { Timings } from "../../src/contracts/timings.ts";
import { verifyProvider } from "../../src/contracts/verify.ts";
import { projectRoot } from "../../src/paths.ts";
import orders from "./providers/orders.ts";
import { useProviderStack } from "./support/provider-fixture.ts";

const PACT = path.join(projectRoot(), "pacts", "notifications-orders.json");
const timings = new Timings("orders.provider");

describe("orders honours the notifications pact (real events from Kafka)", () => {
  const ctx = useProviderStack(orders, PACT);
  afterAll(() => timings.report());

  it("every message notifications expects is one orders really emits, metadata included (five runs)", async () => {
    for (let run = 0; run < 5; run++) {
      const report = await verifyProvider({
        provider: "orders",
        source: { kind: "files", pacts: [PACT] },
        messageProviders: ctx.provider.messageProviders!,
        stateHandlers: ctx.provider.stateHandlers!,
        beforeEach: ctx.provider.beforeEach!,
      });
      timings.add("provider verification (3 messages)", report.durationMs);
      expect(report.passed).toBe(true);
      expect(report.interactions.map((i) => i.description).sort()).toEqual([
        "an order.cancelled event with the reason",
        "an order.confirmed event",
        "an order.created event",
      ]);
      expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
    }
  });

  it("a message whose metadata differs from the real event fails, naming the key", async () => {
    // The same pact with one expectation changed: the event-type header of the confirmed event.
    const pact = JSON.parse(fs.readFileSync(PACT, "utf8")) as {
      interactions: { description: string; metadata: Record<string, unknown> }[];
    };
    const confirmed = pact.interactions.find((i) => i.description === "an order.confirmed event")!;
    confirmed.metadata["event-type"] = "order.shipped";
    const dir = fs.mkdtempSync(path.join(projectRoot(), "reports", "tmp-pact-"));
    try {
      const altered = path.join(dir, "notifications-orders.json");
      fs.writeFileSync(altered, JSON.stringify(pact));
      const err = await verifyProvider({
        provider: "orders",
        source: { kind: "files", pacts: [altered] },
        messageProviders: ctx.provider.messageProviders!,
        stateHandlers: ctx.provider.stateHandlers!,
        beforeEach: ctx.provider.beforeEach!,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VerificationError);
      const failures = (err as VerificationError).failures;
      expect(failures.map((f) => f.description)).toEqual(["an order.confirmed event"]);
      expect(failures[0]!.mismatches.join("\n")).toMatch(/event-type/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
