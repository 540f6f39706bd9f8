/**
 * "Within N s after heal" counts from the heal, for every invariant: the ones judged later share
 * the deadline instead of each getting a window of its own (which let a scenario's invariants
 * wait N s each, far past what their descriptions promise).
 */
import { describe, expect, it } from "vitest";
import type { Invariant, Scenario } from "../../src/chaos/model.ts";
import { runScenario } from "../../src/chaos/runner.ts";
import type { ChaosTarget } from "../../src/chaos/target.ts";

/** A target with no containers and no edges: nothing in this scenario touches it. */
const target = new Proxy({} as ChaosTarget, {
  get: (_, key) => {
    if (key === "edgeNames" || key === "containerNames") return () => [];
    if (key === "edgeStates") return async () => [];
    if (key === "reset") return async () => undefined;
    if (key === "manifest") return { name: "none", services: {}, infrastructure: {}, edges: [] };
    if (key === "runId") return "unit";
    if (key === "then") return undefined;
    return () => {
      throw new Error(`the fake target has no ${String(key)}`);
    };
  },
});

function neverHolds(name: string, attempts: { n: number }): Invariant {
  return {
    name,
    description: `${name} never holds`,
    check: (ctx) =>
      ctx.settle(
        async () => {
          attempts.n++;
          return { status: "violated", detail: "not yet" };
        },
        { withinS: 0.6, everyMs: 50 },
      ),
  };
}

describe("invariants settle within N s after heal", () => {
  it("a later invariant gets what is left of the window (one attempt once it is spent), not a window of its own", async () => {
    const first = { n: 0 };
    const second = { n: 0 };
    const scenario: Scenario = {
      name: "settle",
      file: "settle.ts",
      title: "settle",
      description: "two invariants that never hold",
      tags: [],
      catches: {},
      steadyState: [],
      method: [],
      invariants: [neverHolds("first", first), neverHolds("second", second)],
    };
    const r = await runScenario(scenario, target, { seed: 1 });
    expect(r.invariants.map((i) => [i.name, i.status])).toEqual([
      ["first", "violated"],
      ["second", "violated"],
    ]);
    expect(first.n).toBeGreaterThan(3);
    expect(second.n).toBe(1);
  });
});
