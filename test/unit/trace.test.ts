import { describe, expect, it } from "vitest";
import { ManifestError, parseManifest } from "../../src/env/manifest.ts";
import { Journal, ScenarioResult } from "../../src/report/journal.ts";
import { traceLinks, traceWaterfall } from "../../src/report/trace-waterfall.ts";
import { checkRequestLogs, isRequestSpan, parseExposition } from "../../src/trace/checks.ts";
import { toRecord } from "../../src/trace/evidence.ts";
import { fromJaeger } from "../../src/trace/jaeger-api.ts";
import { latencyByService, roots } from "../../src/trace/model.ts";
import { requestPath, upstreamOf } from "../../src/trace/observe.ts";
import { renderTree } from "../../src/trace/tree.ts";

const manifest = (tracing: string, extra = "") => `name: demo
entrypoint: api
infrastructure:
  bus: { kind: kafka, image: kafka }
services:
  api:
    image: demo/api:1
    ports: { http: 8080 }
    dependsOn:
      worker: { env: WORKER_ADDR, port: grpc }
  worker:
    image: demo/worker:1
    ports: { http: 8080, grpc: 9090 }
    dependsOn:
      bus: { env: KAFKA_BROKERS }
  mailer:
    image: demo/mailer:1
    ports: { http: 8080 }
    dependsOn:
      bus: { env: KAFKA_BROKERS }
${extra}${tracing}`;

function problems(text: string): string[] {
  try {
    parseManifest(text, "demo.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).problems;
  }
  throw new Error("expected the manifest to be rejected");
}

// A trace as Jaeger's query API returns it: api -> worker (gRPC) -> mailer (Kafka).
const T = "4bf92f3577b34da6a3ce929d0e0e4736";
const jaegerTrace = (mailerParent = "c2") => ({
  traceID: T,
  processes: { p1: { serviceName: "api" }, p2: { serviceName: "worker" }, p3: { serviceName: "mailer" } },
  spans: [
    {
      traceID: T,
      spanID: "a1",
      operationName: "POST /v1/orders",
      startTime: 1_000_000,
      duration: 50_000,
      processID: "p1",
      tags: [{ key: "span.kind", value: "server" }],
    },
    {
      traceID: T,
      spanID: "a2",
      operationName: "worker.v1/Place",
      references: [{ refType: "CHILD_OF", traceID: T, spanID: "a1" }],
      startTime: 1_001_000,
      duration: 40_000,
      processID: "p1",
      tags: [{ key: "span.kind", value: "client" }],
    },
    {
      traceID: T,
      spanID: "c2",
      operationName: "worker.v1/Place",
      references: [{ refType: "CHILD_OF", traceID: T, spanID: "a2" }],
      startTime: 1_002_000,
      duration: 30_000,
      processID: "p2",
      tags: [
        { key: "span.kind", value: "server" },
        { key: "error", type: "bool", value: true },
      ],
    },
    {
      traceID: T,
      spanID: "m1",
      operationName: "orders process",
      references: [{ refType: "CHILD_OF", traceID: T, spanID: mailerParent }],
      startTime: 1_080_000,
      duration: 5_000,
      processID: "p3",
      tags: [{ key: "span.kind", value: "consumer" }],
    },
  ],
});

describe("manifest: tracing", () => {
  it("starts a backend named tracing and an edge <svc>->tracing per exporting service", () => {
    const m = parseManifest(manifest("tracing: {}\n"), "demo.yaml");
    expect(m.tracing).toEqual({
      image: "jaeger",
      env: "OTEL_EXPORTER_OTLP_ENDPOINT",
      services: ["api", "worker", "mailer"],
      batchDelayMs: 500,
    });
    expect(m.infrastructure.tracing?.kind).toBe("tracing");
    expect(m.edges.filter((e) => e.toKind === "tracing").map((e) => [e.name, e.dependency.env])).toEqual([
      ["api->tracing", "OTEL_EXPORTER_OTLP_ENDPOINT"],
      ["worker->tracing", "OTEL_EXPORTER_OTLP_ENDPOINT"],
      ["mailer->tracing", "OTEL_EXPORTER_OTLP_ENDPOINT"],
    ]);
  });

  it("without tracing: no backend, no edge", () => {
    const m = parseManifest(manifest(""), "demo.yaml");
    expect(m.tracing).toBeUndefined();
    expect(m.infrastructure.tracing).toBeUndefined();
    expect(m.edges.some((e) => e.toKind === "tracing")).toBe(false);
  });

  it("names an unknown exporting service, a service setting the variable itself, and an unknown image", () => {
    const p = problems(
      manifest("tracing:\n  image: nosuch\n  services: [api, nobody]\n").replace(
        "    ports: { http: 8080 }\n    dependsOn:\n      worker",
        "    ports: { http: 8080 }\n    env: { OTEL_EXPORTER_OTLP_ENDPOINT: http://x }\n    dependsOn:\n      worker",
      ),
    );
    expect(p).toEqual([
      expect.stringMatching(/^demo\.yaml:\d+: tracing\.image: image "nosuch" is not in the image catalog/),
      expect.stringMatching(
        /^demo\.yaml:\d+: services\.api: sets OTEL_EXPORTER_OTLP_ENDPOINT or depends on "tracing" itself/,
      ),
      expect.stringMatching(
        /^demo\.yaml:\d+: tracing\.services\[1\]: "nobody" is not a service; services: api, worker, mailer/,
      ),
    ]);
  });

  it("reserves the name tracing and refuses infrastructure of kind tracing", () => {
    expect(
      problems(
        manifest("", "  tracing:\n    image: demo/worker:1\n    ports: { http: 8080 }\n").replace("", "") +
          "tracing: {}\n",
      ),
    ).toEqual([expect.stringMatching(/services\.tracing: the name "tracing" is reserved/)]);
    expect(
      problems(
        manifest("").replace(
          "  bus: { kind: kafka, image: kafka }",
          "  bus: { kind: kafka, image: kafka }\n  t: { kind: tracing, image: jaeger }",
        ),
      ),
    ).toEqual([
      expect.stringMatching(/infrastructure: kind "tracing" is started by the top-level "tracing:" key/),
    ]);
  });

  it("orders the request path from the entry point, then Kafka consumers; names who passes a request on", () => {
    const m = parseManifest(manifest("tracing: {}\n"), "demo.yaml");
    expect(requestPath(m)).toEqual(["api", "worker", "mailer"]);
    expect(upstreamOf(m, "worker")).toEqual(["api"]);
    expect(upstreamOf(m, "mailer")).toEqual(["worker"]);
  });
});

describe("trace model and tree", () => {
  it("reads Jaeger's JSON: services, parents, kinds, errors; one root", () => {
    const t = fromJaeger(jaegerTrace());
    expect(t.spans.map((s) => [s.service, s.spanId, s.parentId, s.kind, s.error])).toEqual([
      ["api", "a1", undefined, "server", false],
      ["api", "a2", "a1", "client", false],
      ["worker", "c2", "a2", "server", true],
      ["mailer", "m1", "c2", "consumer", false],
    ]);
    expect(roots(t).map((s) => s.spanId)).toEqual(["a1"]);
    expect(isRequestSpan(t.spans[0]!)).toBe(true);
    expect(isRequestSpan(t.spans[1]!)).toBe(false);
  });

  it("prints the tree with durations, offsets, errors and missing parents", () => {
    const text = renderTree(fromJaeger(jaegerTrace("gone")));
    expect(text.split("\n")).toEqual([
      `trace ${T}: 4 spans, 3 services (api, worker, mailer), 85.0 ms`,
      "api: POST /v1/orders  50.0 ms (+0 µs)",
      "  └─ api: worker.v1/Place  40.0 ms (+1.00 ms)",
      "    └─ worker: worker.v1/Place  30.0 ms (+2.00 ms)  [ERROR]",
      "mailer: orders process  5.00 ms (+80.0 ms)  [parent gone missing]",
    ]);
  });

  it("latency per service counts overlapping spans once", () => {
    const per = latencyByService(fromJaeger(jaegerTrace()));
    expect(per.map((x) => [x.service, x.spans, x.totalUs])).toEqual([
      ["api", 2, 50_000],
      ["worker", 1, 30_000],
      ["mailer", 1, 5_000],
    ]);
  });
});

describe("log check", () => {
  const ids = { traceId: T, requestId: "req-1", markers: ["order-9"] };
  const line = (o: Record<string, unknown>) => JSON.stringify({ time: "t", level: "INFO", ...o });

  it("passes when every line about the request carries both IDs", () => {
    const r = checkRequestLogs(
      {
        api: [
          line({ msg: "http request", trace_id: T, request_id: "req-1" }),
          line({ msg: "unrelated" }),
        ].join("\n"),
        mailer: line({ msg: "order event handled", trace_id: T, request_id: "req-1", order_id: "order-9" }),
      },
      ids,
    );
    expect(r.problems).toEqual([]);
    expect(r.perService).toEqual({ api: { lines: 1, withIds: 1 }, mailer: { lines: 1, withIds: 1 } });
  });

  it("names each line without them, and a service with no line about the request", () => {
    const r = checkRequestLogs(
      {
        api: line({ msg: "http request", trace_id: T, request_id: "req-1" }),
        mailer: line({ msg: "order event handled", trace_id: T, order_id: "order-9" }),
        worker: line({ msg: "something else" }),
      },
      ids,
    );
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      'mailer: line "order event handled" at t: request_id missing',
      `worker: no log line about the request (none carries trace_id ${T} or request_id req-1)`,
    ]);
  });
});

describe("metrics check", () => {
  it("accepts valid exposition and names what is not", () => {
    const ok = parseExposition("api", '# TYPE x_total counter\nx_total{a="b"} 3\n# TYPE g gauge\ng NaN\n');
    expect(ok.problems).toEqual([]);
    expect(ok.families.map((f) => f.name)).toEqual(["x_total", "g"]);
    expect(parseExposition("api", "").problems).toEqual(["api: /metrics holds no metric family"]);
    expect(parseExposition("api", '# TYPE x counter\nx{a="b" 3\n').problems[0]).toMatch(/^api: /);
  });
});

describe("report: trace waterfall", () => {
  it("draws one bar per span with latency per service, and links an order to its trace", () => {
    const rec = toRecord(fromJaeger(jaegerTrace()), "order order-9", { orderIds: ["order-9"] });
    const html = traceWaterfall(rec, "scenario-1");
    expect(html).toContain(`id="scenario-1-trace-${T}"`);
    expect(html.match(/class="bar/g)).toHaveLength(4);
    expect(html).toContain("left:0.000%;width:58.824%");
    expect(traceLinks("scenario-1", [rec]).get("order-9")).toBe(`scenario-1-trace-${T}`);
    // The journal keeps it (optional, additive).
    expect(ScenarioResult.shape.traces.safeParse([rec]).success).toBe(true);
    expect(Journal).toBeDefined();
  });
});
