import { defineScenario } from "../../src/chaos/model.ts";
import { checkRecord } from "../../src/trace/evidence.ts";
import { observeRequest } from "../../src/trace/observe.ts";
import { shopOrderRequest } from "./support/trace-request.ts";
import { SKU, seedStock, shopSteadyState } from "./support/shop.ts";

const CHECK = "one order is one connected trace across the five services";

export default defineScenario({
  title: "One order is one connected trace across the five services",
  description:
    "No fault: one POST /v1/orders through the gateway must be exactly one trace in the trace backend, with spans from gateway, orders, inventory, payments and (through the Kafka headers) notifications, and every span's parent in the trace. With trace context dropped the trace breaks, and the check names the service where it does.",
  tags: ["observability", "tracing"],
  catches: { "drop-trace-context": CHECK },
  setup: seedStock,
  steadyState: shopSteadyState,
  method: [
    {
      kind: "action",
      name: CHECK,
      run: async (ctx) => {
        const obs = await observeRequest(
          ctx.target,
          shopOrderRequest(`trace-${ctx.seed}-${Date.now()}`, SKU),
          {
            timeoutMs: 15_000,
          },
        );
        const spans = obs.trace.trace?.spans.length ?? 0;
        const services = new Set(obs.trace.trace?.spans.map((s) => s.service));
        return {
          ok: obs.trace.ok,
          detail: obs.trace.ok
            ? `trace ${obs.traceId}: ${spans} spans from ${[...services].join(", ")}, one root, every parent present; full trace queryable ${obs.fullTraceMs} ms after the request`
            : obs.trace.problems.join("; "),
          value: checkRecord(obs.trace, "observed request: POST /v1/orders", obs.markers),
        };
      },
    },
  ],
  invariants: [],
  timeoutS: 60,
});
