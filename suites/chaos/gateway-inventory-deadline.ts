import { defineScenario } from "../../src/chaos/model.ts";
import type { ProbeContext } from "../../src/chaos/probe-context.ts";
import { shopSteadyState } from "./support/shop.ts";

// Found by `faultline mutate` (docs/mutate.md): with the gateway's deadline on inventory calls made
// 30 times longer (2 s -> 60 s), every scenario held; none asked how long a read waits for a
// slow inventory.
const LATENCY_MS = 5000;

export default defineScenario({
  title: "Inventory slower than the gateway's deadline: a product read gives up within it",
  description: `gateway->inventory gets ${LATENCY_MS} ms of latency, above the gateway's 2 s deadline for one inventory call (INVENTORY_TIMEOUT). A product read through the gateway must then fail within about that deadline (an error answer in under 3.5 s) instead of waiting for the slow answer, and must succeed again, fast, after heal.`,
  tags: ["deadline", "latency", "gateway", "inventory"],
  catches: {},
  steadyState: shopSteadyState,
  method: [
    {
      kind: "fault",
      name: "inventory-slower-than-the-deadline",
      fault: {
        type: "toxic",
        edge: "gateway->inventory",
        toxic: { type: "latency", attributes: { latency: LATENCY_MS, jitter: 0 } },
      },
    },
    {
      kind: "action",
      name: "a product read gives up within the gateway's deadline",
      run: async (ctx: ProbeContext) => {
        const t = Date.now();
        const a = await ctx.http("gateway", "/v1/products/SKU-1", { timeoutMs: 15_000 });
        const ms = Date.now() - t;
        return {
          ok: a.status >= 500 && ms < 3500,
          detail: `GET /v1/products/SKU-1 answered HTTP ${a.status} in ${ms} ms with inventory ${LATENCY_MS} ms away; expected an error answer in under 3500 ms (the deadline is 2000 ms)`,
          value: { ms, status: a.status },
        };
      },
    },
    { kind: "heal", fault: "inventory-slower-than-the-deadline" },
    {
      kind: "action",
      name: "reads succeed again after heal",
      run: async (ctx: ProbeContext) => {
        const t = Date.now();
        const a = await ctx.http("gateway", "/v1/products/SKU-1", { timeoutMs: 5000 });
        const ms = Date.now() - t;
        return {
          ok: a.status === 200 && ms < 1000,
          detail: `GET /v1/products/SKU-1 answered HTTP ${a.status} in ${ms} ms after heal; expected 200 in under 1000 ms`,
          value: { ms, status: a.status },
        };
      },
    },
  ],
  invariants: [],
});
