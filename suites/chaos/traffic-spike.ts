import { defineScenario } from "../../src/chaos/model.ts";
import { readProducts, shopSteadyState } from "./support/shop.ts";

const RATE_LIMIT = 200; // the gateway's RATE_LIMIT_RPS in targets/shop/faultline.yaml

export default defineScenario({
  title:
    "A traffic spike at three times the gateway's limit: 429 with Retry-After, accepted requests keep their latency",
  description: `GET /v1/products at ${3 * RATE_LIMIT}/s for 6 s against a limit of ${RATE_LIMIT}/s (burst 400). The excess must be refused with 429 and a Retry-After header, and the requests let through must stay fast.`,
  tags: ["rate-limit", "overload", "gateway"],
  catches: { "no-rate-limit": "the excess is refused with 429 and Retry-After" },
  steadyState: shopSteadyState,
  workload: readProducts(3 * RATE_LIMIT),
  method: [
    { kind: "wait", seconds: 6 },
    {
      kind: "action",
      name: "the excess is refused with 429 and Retry-After",
      run: async (ctx) => {
        const ops = ctx.history.ops;
        const limited = ops.filter((o) => o.value.code === 429);
        const withHeader = limited.filter((o) => o.value.retryAfter);
        const share = ops.length ? limited.length / ops.length : 0;
        return {
          ok: share >= 0.2 && withHeader.length === limited.length,
          detail: `${limited.length} of ${ops.length} requests answered 429 (${(share * 100).toFixed(0)} %; at least 20 % expected at 3× the limit), ${withHeader.length} with Retry-After`,
          value: { requests: ops.length, limited: limited.length, withRetryAfter: withHeader.length },
        };
      },
    },
    {
      kind: "action",
      name: "accepted requests keep their latency",
      run: async (ctx) => {
        const ops = ctx.history.ops.filter((o) => o.type === "ok");
        const lat = ops.map((o) => o.completedAt - o.invokedAt).sort((a, b) => a - b);
        const p95 = lat[Math.max(0, Math.ceil(0.95 * lat.length) - 1)] ?? NaN;
        return {
          ok: lat.length > 0 && p95 < 1000,
          detail: `p95 of ${lat.length} accepted requests: ${p95} ms (under 1000 ms expected)`,
          value: { p95, accepted: lat.length },
        };
      },
    },
  ],
  invariants: [],
  timeoutS: 90,
});
