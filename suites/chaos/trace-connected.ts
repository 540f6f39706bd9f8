import { defineScenario } from "../../src/chaos/model.ts";
import { checkRecord } from "../../src/trace/evidence.ts";
import { TraceQuery } from "../../src/trace/jaeger-api.ts";
import { observeRequest, requestPath } from "../../src/trace/observe.ts";
import { pollUntil } from "../../src/poll.ts";
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
      // A fault of an earlier scenario on a tracing edge (a cut, a hang) leaves the services'
      // OTLP exporters in their retry backoff (up to 30 s between attempts, for 1 min) with
      // spans queued behind: judged at once, the trace would miss them for a reason that is no
      // property of this scenario. So the method first waits, with a deadline past that
      // backoff, until a warm-up order shows spans from every exporting service; with context
      // dropped the spans still arrive (in traces of their own), so this waits out state left
      // behind and hides no bug: the judged order below is a fresh one.
      kind: "action",
      name: "every service exports spans (a warm-up order)",
      run: async (ctx) => {
        const url = ctx.target.traceQueryUrl();
        if (!url) return { ok: false, detail: "the target has no trace backend" };
        const query = new TraceQuery(url);
        const services = requestPath(ctx.target.manifest);
        const t0 = Date.now();
        const a = await ctx.http("gateway", "/v1/orders", {
          method: "POST",
          headers: { "idempotency-key": `trace-warmup-${ctx.seed}-${t0}` },
          body: { customer_id: "c-trace", currency: "EUR", lines: [{ sku: SKU, quantity: 1 }] },
          timeoutMs: 15_000,
        });
        const r = await pollUntil(
          async () => {
            const seen: string[] = [];
            for (const svc of services) {
              const found = await query
                .find({ service: svc, startMs: t0 - 1000, endMs: Date.now() + 1000, limit: 1 })
                .catch(() => []);
              if (found.length) seen.push(svc);
            }
            return seen;
          },
          (seen) => seen.length === services.length,
          { timeoutMs: 75_000, intervalMs: 1000 },
        );
        const missing = services.filter((svc) => !r.value.includes(svc));
        return {
          ok: r.done,
          detail: r.done
            ? `warm-up order (HTTP ${a.status}): spans from ${services.join(", ")} in the backend ${Date.now() - t0} ms after it`
            : `warm-up order (HTTP ${a.status}): no span from ${missing.join(", ")} reached the backend within 75 s`,
        };
      },
    },
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
        // An order the shop did not place has no trace through it: say so, not "no span".
        const placed = obs.status === 201 || obs.status === 202;
        return {
          ok: obs.trace.ok && placed,
          detail: !placed
            ? `the order was not placed: HTTP ${obs.status} ${JSON.stringify(obs.answer).slice(0, 200)}`
            : obs.trace.ok
              ? `trace ${obs.traceId}: ${spans} spans from ${[...services].join(", ")}, one root, every parent present; full trace queryable ${obs.fullTraceMs} ms after the request`
              : `HTTP ${obs.status}: ${obs.trace.problems.join("; ")}`,
          value: checkRecord(obs.trace, "observed request: POST /v1/orders", obs.markers),
        };
      },
    },
  ],
  invariants: [],
  timeoutS: 150,
});
