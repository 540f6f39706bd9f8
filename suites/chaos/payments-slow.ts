import { eq } from "../../src/chaos/tolerance.ts";
import type { ProbeContext } from "../../src/chaos/probe-context.ts";
import { orderScenario } from "./support/shop.ts";

const breaker = {
  kind: "metric",
  service: "orders",
  metric: "shop_circuit_breaker_state",
  labels: { name: "payments" },
} as const;

export default orderScenario({
  title: "Payments slower than orders' deadline: the breaker opens, callers fail fast, it closes after heal",
  description:
    "3 s of latency on orders->payments, above orders' 2 s deadline for a payment call. Orders' breaker to payments must open (shop_circuit_breaker_state = 2), orders must then fail fast instead of waiting for each deadline, the breaker must go half-open and close once payments is fast again, and every order must end confirmed or cancelled with stock and money balanced.",
  tags: ["breaker", "deadline", "latency", "payments"],
  catches: { "no-breaker": "the breaker to payments opens", "no-deadline": "the breaker to payments opens" },
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "fault",
      name: "payments-slow",
      fault: {
        type: "toxic",
        edge: "orders->payments",
        toxic: { type: "latency", attributes: { latency: 3000, jitter: 0 } },
      },
    },
    {
      kind: "expect",
      name: "the breaker to payments opens",
      probe: { ...breaker, name: "breaker state", tolerance: eq(2) },
      withinS: 20,
    },
    {
      kind: "action",
      name: "orders fail fast while the breaker is open",
      run: async (ctx: ProbeContext) => {
        const t = Date.now();
        const a = await ctx.http("gateway", "/v1/orders", {
          method: "POST",
          body: { customer_id: "chaos-probe", currency: "EUR", lines: [{ sku: "CHAOS-1", quantity: 1 }] },
          timeoutMs: 15_000,
        });
        const ms = Date.now() - t;
        const status = (a.body as { status?: string }).status;
        // Open breaker: each retry is refused at once; ~1.5 s of backoff, then compensation.
        const ok = a.status === 201 && status === "cancelled" && ms < 5000;
        return {
          ok,
          detail: `POST /v1/orders answered HTTP ${a.status} (${status ?? "no status"}) in ${ms} ms; expected 201 cancelled in under 5000 ms (a call waiting for its deadline takes 2000 ms per attempt)`,
          value: { ms, code: a.status, status },
        };
      },
    },
    { kind: "heal", fault: "payments-slow" },
    {
      kind: "expect",
      name: "the breaker closes after heal",
      probe: { ...breaker, name: "breaker state", tolerance: eq(0) },
      withinS: 30,
    },
  ],
  timeoutS: 180,
});
