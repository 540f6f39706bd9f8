import * as hdr from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { LoadAggregate, type RunnerLine } from "../../src/load/aggregate.ts";
import { faultWindowFigures } from "../../src/load/run-load.ts";
import { scenarioMetrics, validateScenario, type LoadScenario } from "../../src/load/scenario.ts";
import { evaluateThresholds, parseThresholds, ThresholdError } from "../../src/load/thresholds.ts";
import type { SecondSample } from "../../src/report/journal.ts";

const metrics = scenarioMetrics({
  description: "",
  profile: "smoke",
  rate: 1,
  requests: [{ name: "list", service: "gateway", path: "/" }],
  rates: { rate_limited: { codes: ["429"] } },
  thresholds: {},
});
const FILE = "suites/load/x.ts";

function histogram(valuesUs: number[]): string {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 300_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  for (const v of valuesUs) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

function second(t: string, codes: Record<string, number>, latencyUs: number[]): RunnerLine {
  const requests = Object.values(codes).reduce((a, b) => a + b, 0);
  const ok = Object.entries(codes)
    .filter(([c]) => c.startsWith("2"))
    .reduce((a, [, n]) => a + n, 0);
  const latency = histogram(latencyUs);
  const counts = {
    protocol: "http",
    requests,
    ok,
    fail: requests - ok,
    unknown: 0,
    codes,
    bytesIn: 10 * requests,
    bytesOut: 0,
    latency,
  };
  return { type: "second", t, ...counts, byName: { list: counts }, dropped: 1, vus: 3 };
}

describe("threshold parsing", () => {
  it("reads k6's short and long forms, with tag filters", () => {
    const parsed = parseThresholds(
      {
        http_req_duration: ["p(95)<200", "avg <= 100"],
        "http_req_duration{name:list}": [
          { threshold: "p(99.9) < 500", abortOnFail: true, delayAbortEval: "10s" },
        ],
        "http_req_failed{status:500}": ["rate==0"],
        rate_limited: ["rate>0.1"],
      },
      metrics,
      FILE,
    );
    expect(parsed.map((p) => [p.key, p.aggregation, p.percentile, p.operator, p.value])).toEqual([
      ["http_req_duration", "p(95)", 95, "<", 200],
      ["http_req_duration", "avg", undefined, "<=", 100],
      ["http_req_duration{name:list}", "p(99.9)", 99.9, "<", 500],
      ["http_req_failed{status:500}", "rate", undefined, "==", 0],
      ["rate_limited", "rate", undefined, ">", 0.1],
    ]);
    expect(parsed[2]).toMatchObject({ abortOnFail: true, delayAbortEvalMs: 10_000, tags: { name: "list" } });
  });

  it.each([
    [
      { http_req_duration: ["p95<200"] },
      `${FILE}: thresholds["http_req_duration"][0]: "p95<200" is not a threshold expression; write "<aggregation> <operator> <number>"`,
    ],
    [{ http_req_duration: ["p(95) < fast"] }, `"p(95) < fast" is not a threshold expression`],
    [
      { grpc_req_duration: ["p(95)<200"] },
      `${FILE}: thresholds["grpc_req_duration"]: no metric "grpc_req_duration" in this scenario`,
    ],
    [
      { checks: ["rate>0.9"] },
      `no metric "checks" in this scenario (a threshold on a metric that does not exist would never fail); metrics here: data_received, data_sent, dropped_iterations, http_req_duration`,
    ],
    [{ http_req_failed: ["p(95)<1"] }, `"p(95)" does not apply to http_req_failed, a rate; use rate`],
    [{ http_reqs: ["avg<1"] }, `"avg" does not apply to http_reqs, a counter; use count, rate`],
    [
      { "http_req_duration{status:200}": ["p(95)<1"] },
      `http_req_duration cannot be filtered by tag "status"; it can by: name`,
    ],
    [{ "http_req_duration{name}": ["p(95)<1"] }, `tag filter "name" must be "tag:value"`],
    [{ "http req": ["rate<1"] }, `"http req" is not a metric name`],
    [{ http_req_duration: [] }, `must be a non-empty list`],
    [
      { http_req_duration: [{ threshold: "p(95)<1", delayAbortEval: "soon" }] },
      `.delayAbortEval: "soon" is not a duration`,
    ],
    [{ http_req_duration: ["p(101)<1"] }, `p(101) is outside 0-100`],
  ])("refuses %j with a message naming the file and field", (thresholds, message) => {
    expect(() => parseThresholds(thresholds as never, metrics, FILE)).toThrow(ThresholdError);
    expect(() => parseThresholds(thresholds as never, metrics, FILE)).toThrow(message);
  });

  it("reports every problem at once", () => {
    const err = (() => {
      try {
        parseThresholds({ nope: ["rate<1"], http_req_duration: ["bad"] }, metrics, FILE);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message.split("\n")).toHaveLength(2);
  });
});

describe("threshold evaluation over merged seconds", () => {
  const agg = new LoadAggregate([{ name: "list", protocol: "http" }]);
  agg.add(
    second(
      "2026-01-01T00:00:00Z",
      { "200": 8, "429": 2 },
      [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000],
    ),
  );
  agg.add(second("2026-01-01T00:00:01Z", { "200": 10 }, Array(10).fill(100_000)));
  const read = agg.reader({ rate_limited: { codes: ["429"] } }, 2);

  it("reads each aggregation from the merged histogram and counts", () => {
    const ev = evaluateThresholds(
      parseThresholds(
        {
          http_req_duration: ["p(50)<=10", "max<100", "min>=1"],
          "http_req_duration{name:list}": ["p(95)>99"],
          http_reqs: ["count==20", "rate==10"],
          http_req_failed: ["rate<0.05"],
          "http_req_failed{status:429}": ["rate==1"],
          rate_limited: ["rate==0.1"],
          dropped_iterations: ["count==2"],
          vus_max: ["value==3"],
          data_received: ["count==200"],
        },
        metrics,
        FILE,
      ),
      read,
    );
    expect(ev.map((e) => [e.metric, e.expression, e.observed, e.ok])).toEqual([
      ["http_req_duration", "p(50)<=10", 10.007, false],
      ["http_req_duration", "max<100", 100.031, false],
      ["http_req_duration", "min>=1", 1, true],
      ["http_req_duration{name:list}", "p(95)>99", 100.031, true],
      ["http_reqs", "count==20", 20, true],
      ["http_reqs", "rate==10", 10, true],
      ["http_req_failed", "rate<0.05", 0.1, false],
      ["http_req_failed{status:429}", "rate==1", 1, true],
      ["rate_limited", "rate==0.1", 0.1, true],
      ["dropped_iterations", "count==2", 2, true],
      ["vus_max", "value==3", 3, true],
      ["data_received", "count==200", 200, true],
    ]);
  });

  it("fails a threshold whose metric has no sample instead of passing it", () => {
    const empty = new LoadAggregate([{ name: "list", protocol: "http" }]).reader({}, 1);
    const [r] = evaluateThresholds(
      parseThresholds({ http_req_duration: ["p(95)<200"] }, metrics, FILE),
      empty,
    );
    expect(r).toMatchObject({ observed: null, ok: false });
  });
});

describe("scenario validation", () => {
  it("names the file and field of each problem", () => {
    const s = {
      name: "bad",
      file: "suites/load/bad.ts",
      description: "",
      profile: "nope",
      rate: 0,
      requests: [
        { name: "a", service: "gateway", path: "/" },
        { name: "a", service: "", grpc: { method: "Charge", data: {} } },
      ],
      thresholds: { http_req_duration: ["p(95)<200"] },
    } as unknown as LoadScenario;
    expect(() => validateScenario(s)).toThrow(
      /requests\[1\]\.name: "a" is used twice[\s\S]*requests\[1\]\.service: is required[\s\S]*grpc\.method: "Charge"[\s\S]*protos: gRPC request "a"[\s\S]*rate: the nominal rate[\s\S]*profile: no load profile "nope"/,
    );
    expect(() => validateScenario(s)).toThrow(/^suites\/load\/bad\.ts: requests\[1\]\.name/);
  });
});

describe("fault windows: before / during / after and the time to recover", () => {
  const base = Date.parse("2026-01-01T00:00:00Z");
  const at = (s: number) => new Date(base + s * 1000).toISOString();
  const mk = (s: number, p95Us: number, fail: number) => {
    const line = second(at(s), { "200": 10 - fail, ...(fail ? { "503": fail } : {}) }, Array(10).fill(p95Us));
    const sample: SecondSample = {
      t: at(s),
      requests: 10,
      ok: 10 - fail,
      fail,
      unknown: 0,
      dropped: 0,
      codes: {},
      latencyMs: {
        min: p95Us / 1000,
        avg: p95Us / 1000,
        med: p95Us / 1000,
        p90: p95Us / 1000,
        p95: p95Us / 1000,
        p99: p95Us / 1000,
        max: p95Us / 1000,
      },
      bytesIn: 0,
      bytesOut: 0,
    };
    return { line, sample };
  };
  // 0-4 healthy (10 ms), 5-7 the fault (3 s, half failing), 8-9 still slow, 10-14 healthy again.
  const samples = [
    ...[0, 1, 2, 3, 4].map((s) => mk(s, 10_000, 0)),
    ...[5, 6, 7].map((s) => mk(s, 3_000_000, 5)),
    ...[8, 9].map((s) => mk(s, 500_000, 0)),
    ...[10, 11, 12, 13, 14].map((s) => mk(s, 12_000, 0)),
  ];
  const windows = [{ id: "f1", label: "latency", start: at(5), end: at(8) }];

  it("splits the series at the windows and finds the first second that stays within tolerance", () => {
    const r = faultWindowFigures(samples, windows, at(15), {
      p95Factor: 1.5,
      p95SlackMs: 5,
      errorRateSlack: 0.01,
    });
    expect(r.windows.before).toEqual({ rps: 10, errorRate: 0, p95: 10.007 });
    expect(r.windows.during).toEqual({ rps: 10, errorRate: 0.5, p95: 3000.319 });
    expect(r.windows.after.rps).toBe(10);
    expect(r.recoveryMs).toBe(2000);
  });

  it("is null when the figures never come back", () => {
    const r = faultWindowFigures(samples.slice(0, 10), windows, at(10), {
      p95Factor: 1.5,
      p95SlackMs: 5,
      errorRateSlack: 0.01,
    });
    expect(r.recoveryMs).toBeNull();
  });
});
