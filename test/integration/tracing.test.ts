// Observability of the shop on the real stack: one order is one connected trace across the five
// services (Jaeger v2 in the stack, every service exporting through its <svc>->tracing edge),
// every log line about it carries its trace_id and request_id, every /metrics is valid exposition
// with the metrics the chaos catalog reads, and drop-trace-context is caught where it breaks.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest } from "../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { projectRoot } from "../../src/paths.ts";
import { isRequestSpan } from "../../src/trace/checks.ts";
import { TraceQuery } from "../../src/trace/jaeger-api.ts";
import { checkServiceMetrics } from "../../src/trace/metrics.ts";
import { roots } from "../../src/trace/model.ts";
import { observeRequest, requestPath, type Observation } from "../../src/trace/observe.ts";
import { shopOrderRequest } from "../../suites/chaos/support/trace-request.ts";
import { renderTree } from "../../src/trace/tree.ts";
import { runFaultline } from "../support/faultline-cli.ts";

const SERVICES = ["gateway", "orders", "inventory", "payments", "notifications"];

describe("tracing, logs and metrics of the shop", () => {
  let stack: StartedStack;
  let obs: Observation;

  beforeAll(async () => {
    const manifest = await loadManifest("shop", projectRoot());
    stack = await new Environment(manifest).start();
    obs = await observeRequest(stack, shopOrderRequest(`trace-${randomUUID()}`), { timeoutMs: 30_000 });
    console.log(
      `request -> full trace queryable: ${obs.fullTraceMs ?? "never"} ms; per service, first span queryable after (ms): ${JSON.stringify(obs.serviceSeenMs)}\n${obs.trace.trace ? renderTree(obs.trace.trace) : "(no trace)"}`,
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("the stack gives every service its OTLP endpoint through its own edge", () => {
    expect(requestPath(stack.manifest)).toEqual(SERVICES);
    for (const s of SERVICES) {
      expect(stack.edgeNames()).toContain(`${s}->tracing`);
      expect(stack.environmentOf(s).OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/^http:\/\/toxiproxy:\d+$/);
      expect(stack.environmentOf(s).OTEL_BSP_SCHEDULE_DELAY).toBe("500");
    }
  });

  it("one POST /v1/orders is exactly one trace with spans from all five services, every parent present", async () => {
    expect(obs.status).toBe(201);
    expect(obs.trace.problems).toEqual([]);
    const t = obs.trace.trace!;
    expect(new Set(t.spans.map((s) => s.service))).toEqual(new Set(SERVICES));
    expect(roots(t)).toHaveLength(1);
    expect(roots(t)[0]!.service).toBe("gateway");
    const ids = new Set(t.spans.map((s) => s.spanId));
    for (const s of t.spans) if (s.parentId) expect(ids, `${s.service} ${s.name}`).toContain(s.parentId);
    // Exactly one trace: no request span of any service in the request's window is elsewhere.
    const query = new TraceQuery(stack.traceQueryUrl()!);
    const start = Date.parse(obs.sentAt) - 500;
    for (const service of SERVICES) {
      const others = (await query.find({ service, startMs: start, endMs: Date.now() }))
        .filter((x) => x.traceId !== obs.traceId)
        .flatMap((x) =>
          x.spans
            .filter((s) => s.service === service && isRequestSpan(s))
            .map((s) => `${x.traceId}: ${s.name}`),
        );
      expect(others, `${service}'s request spans outside trace ${obs.traceId}`).toEqual([]);
    }
  });

  it("every service's log lines about the request carry its trace_id and request_id", () => {
    expect(obs.logs.problems).toEqual([]);
    for (const s of SERVICES) expect(obs.logs.perService[s]!.withIds, s).toBeGreaterThan(0);
  });

  it("every /metrics parses as Prometheus exposition and holds the metrics the chaos catalog reads", async () => {
    const r = await checkServiceMetrics(stack, projectRoot());
    expect(r.problems).toEqual([]);
    for (const s of SERVICES) expect(r.families[s], s).toBeGreaterThan(0);
  });

  it("faultline trace prints the trace as a tree, by trace id and by order id; --json gives the spans", async () => {
    const q = ["--query-url", stack.traceQueryUrl()!];
    const byTrace = await runFaultline(["trace", obs.traceId!, ...q]);
    expect(byTrace.code, byTrace.stderr).toBe(0);
    expect(byTrace.stdout).toMatch(new RegExp(`^trace ${obs.traceId}: \\d+ spans, 5 services`));
    expect(byTrace.stdout).toMatch(/^gateway: POST \/v1\/orders {2}[\d.]+ (ms|µs|s) \(\+0 µs\)$/m);
    expect(byTrace.stdout).toMatch(/^ {4}└─ orders: /m);
    const byOrder = await runFaultline(["trace", obs.markers[0]!, "--json", ...q]);
    expect(byOrder.code, byOrder.stderr).toBe(0);
    const traces = JSON.parse(byOrder.stdout) as { traceId: string; spans: unknown[] }[];
    expect(traces.map((t) => t.traceId)).toEqual([obs.traceId]);
    expect(traces[0]!.spans).toHaveLength(obs.trace.trace!.spans.length);
    const unknown = await runFaultline(["trace", "no-such-order", ...q]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no trace carries shop.order.id=no-such-order");
  });

  it("with drop-trace-context on, the trace check fails naming the service where the trace breaks", async () => {
    for (const s of stack.manifest.sabotage!.switches["drop-trace-context"]!)
      await stack.replaceService(s, { SHOP_SABOTAGE: "drop-trace-context" });
    const broken = await observeRequest(stack, shopOrderRequest(`trace-${randomUUID()}`), {
      timeoutMs: 8000,
    });
    console.log(`with drop-trace-context: ${broken.trace.problems.join("\n")}`);
    expect(broken.trace.ok).toBe(false);
    expect(broken.trace.brokenAt).toBe("orders");
    expect(broken.trace.problems[0]).toMatch(
      /^the trace breaks at orders \(called by gateway, which are in the trace\)/,
    );
    expect(broken.trace.strays.length).toBeGreaterThan(0);
  });
});
