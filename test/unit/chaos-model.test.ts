import { describe, expect, it } from "vitest";
import { checkScenario, distance, nearest } from "../../src/chaos/catalog.ts";
import { checkSet, combine, figure, percentiles, perSecond, type Op } from "../../src/chaos/history.ts";
import type { Scenario } from "../../src/chaos/model.ts";
import { seededRandom } from "../../src/chaos/probe-context.ts";
import {
  at,
  atLeast,
  atMost,
  between,
  describeTolerance,
  eq,
  matches,
  oneOf,
  where,
  withinTolerance,
} from "../../src/chaos/tolerance.ts";
import { sabotageEnv } from "../../src/chaos/session.ts";
import { parseManifest } from "../../src/env/manifest.ts";

describe("tolerances", () => {
  it("exact compares deeply", () => {
    expect(withinTolerance(eq({ a: [1, 2] }), { a: [1, 2] })).toBe(true);
    expect(withinTolerance(eq({ a: [1, 2] }), { a: [2, 1] })).toBe(false);
    expect(withinTolerance(eq(200), "200")).toBe(false);
  });
  it("range takes numbers and numeric strings, nothing else", () => {
    expect(withinTolerance(between(0, 1), 0.5)).toBe(true);
    expect(withinTolerance(between(0, 1), "1")).toBe(true);
    expect(withinTolerance(between(0, 1), 1.01)).toBe(false);
    expect(withinTolerance(atMost(5), null)).toBe(false);
    expect(withinTolerance(atLeast(5), undefined)).toBe(false);
  });
  it("regex, one of, JSON path", () => {
    expect(withinTolerance(matches(/^ready$/), "ready")).toBe(true);
    expect(withinTolerance(matches(/^ready$/), undefined)).toBe(false);
    expect(withinTolerance(oneOf("SERVING", "UNKNOWN"), "UNKNOWN")).toBe(true);
    const answer = { status: 503, body: { checks: { postgres: { ok: false } } } };
    expect(withinTolerance(at("$.status", eq(503)), answer)).toBe(true);
    expect(withinTolerance(at("$.body.checks.postgres.ok", eq(true)), answer)).toBe(false);
    expect(withinTolerance(at("$.nothing", eq(undefined)), answer)).toBe(true);
  });
  it("a predicate sees earlier outputs, and one that throws is out of tolerance", () => {
    const t = where("grew by at most 10", (v, out) => Number(v) - Number(out.before) <= 10);
    expect(withinTolerance(t, 15, { before: 10 })).toBe(true);
    expect(withinTolerance(t, 25, { before: 10 })).toBe(false);
    expect(
      withinTolerance(
        where("throws", () => {
          throw new Error("x");
        }),
        1,
      ),
    ).toBe(false);
  });
  it("describes itself in words", () => {
    expect(describeTolerance(eq(200))).toBe("= 200");
    expect(describeTolerance(between(0, 2))).toBe("in [0, 2]");
    expect(describeTolerance(atMost(3))).toBe("≤ 3");
    expect(describeTolerance(at("$.status", eq("ready")))).toBe('$.status = "ready"');
  });
});

const op = (index: number, type: Op["type"], key: string, t = 1000 + index * 100, ms = 50): Op => ({
  index,
  name: "create_order",
  invokedAt: t,
  completedAt: t + ms,
  type,
  value: { key },
});

describe("history checks (Jepsen's set)", () => {
  it("an acknowledged add that is absent is lost; a failed one present is unexpected", () => {
    const ops = [op(0, "ok", "a"), op(1, "ok", "b"), op(2, "fail", "c"), op(3, "fail", "d")];
    const r = checkSet(ops, (o) => String(o.value.key), new Set(["a", "d"]));
    expect(r).toMatchObject({ ok: ["a"], lost: ["b"], unexpected: ["d"], valid: false });
  });
  it("unknown outcomes are settled by the final state, never counted as lost or done", () => {
    const ops = [op(0, "unknown", "a"), op(1, "unknown", "b"), op(2, "ok", "c")];
    const r = checkSet(ops, (o) => String(o.value.key), new Set(["a", "c"]));
    expect(r).toMatchObject({ ok: ["c"], lost: [], recovered: ["a"], unrecovered: ["b"], valid: true });
  });
  it("combined validity: violated beats unknown beats held", () => {
    expect(combine("held", "unknown", "held")).toBe("unknown");
    expect(combine("unknown", "violated")).toBe("violated");
    expect(combine("held")).toBe("held");
  });
  it("per-second series and window figures", () => {
    const ops = [op(0, "ok", "a", 1000, 10), op(1, "fail", "b", 1200, 30), op(2, "unknown", "c", 2100, 500)];
    const h = { ops, dropped: [2500] };
    const s = perSecond(h, 1000, 3000);
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ requests: 2, ok: 1, fail: 1, unknown: 0, dropped: 0 });
    expect(s[1]).toMatchObject({ requests: 1, unknown: 1, dropped: 1 });
    expect(figure(h, "errorRate", 2, 3000)).toBeCloseTo(1 / 3);
    expect(figure(h, "rate", 2, 3000)).toBe(1.5);
    expect(figure({ ops: [], dropped: [] }, "p95", 5)).toBeUndefined();
    expect(percentiles([1, 2, 3, 4, 100])).toMatchObject({ min: 1, med: 3, max: 100, p95: 100 });
  });
  it("the seeded random numbers repeat for the same seed", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
  });
});

const manifest = parseManifest(
  `name: mini
infrastructure:
  postgres: { kind: postgres, image: postgres }
services:
  api:
    image: postgres
    ports: { http: 8080 }
    dependsOn: { postgres: { env: DATABASE_URL } }
sabotage:
  env: SABOTAGE
  switches:
    lying-readiness: [api]
`,
  "mini.yaml",
  { knownImage: () => true },
);

const scenario = (over: Partial<Scenario>): Scenario => ({
  name: "s",
  file: "suites/chaos/s.ts",
  title: "t",
  description: "d",
  tags: [],
  catches: {},
  steadyState: [],
  method: [],
  invariants: [],
  ...over,
});

describe("scenario checks against the target", () => {
  it("names the file, the field, the unknown name, the nearest and the known ones", () => {
    const problems = checkScenario(
      scenario({
        catches: { "lying-readines": "api ready" },
        method: [
          { kind: "fault", name: "f", fault: { type: "cut", edge: "api->postgre" } },
          { kind: "fault", name: "g", fault: { type: "container", target: "apx", action: "kill" } },
          { kind: "heal", fault: "nope" },
          {
            kind: "expect",
            name: "api ready",
            probe: { kind: "http", name: "p", service: "ap", path: "/readyz", tolerance: eq(200) },
          },
        ],
      }),
      manifest,
    );
    expect(problems).toContain(
      'suites/chaos/s.ts: method[0].fault.edge: unknown edge "api->postgre" (did you mean "api->postgres"?); known: api->postgres',
    );
    expect(problems.join("\n")).toMatch(
      /catches: unknown sabotage switch "lying-readines" \(did you mean "lying-readiness"\?\)/,
    );
    expect(problems.join("\n")).toMatch(/method\[1\]\.fault\.target: unknown container "apx"/);
    expect(problems.join("\n")).toMatch(/method\[2\]\.fault: no earlier fault step is named "nope"/);
    expect(problems.join("\n")).toMatch(/method\[3\]\.probe\.service: unknown service "ap"/);
  });
  it("a catch must name one of the scenario's own checks", () => {
    const problems = checkScenario(scenario({ catches: { "lying-readiness": "no such check" } }), manifest);
    expect(problems[0]).toMatch(/catches\["lying-readiness"\]: names the check "no such check"/);
  });
  it("a correct scenario has no problems", () => {
    expect(
      checkScenario(
        scenario({
          catches: { "lying-readiness": "api not ready" },
          method: [
            { kind: "fault", name: "f", fault: { type: "cut", edge: "api->postgres" } },
            {
              kind: "expect",
              name: "api not ready",
              probe: { kind: "http", name: "p", service: "api", path: "/readyz", tolerance: eq(503) },
            },
            { kind: "heal", fault: "f" },
          ],
        }),
        manifest,
      ),
    ).toEqual([]);
  });
  it("a k6 script as the workload takes env but no profile; a load scenario takes no env", () => {
    expect(
      checkScenario(
        scenario({ load: { scenario: "k6/smoke.js", durationS: 10, env: { A: "1" } } }),
        manifest,
      ),
    ).toEqual([]);
    expect(
      checkScenario(
        scenario({ load: { scenario: "k6/smoke.js", profile: "smoke", durationS: 10 } }),
        manifest,
      )[0],
    ).toMatch(/load\.profile: a k6 script \(k6\/smoke\.js\) takes no profile/);
    expect(
      checkScenario(scenario({ load: { scenario: "smoke", durationS: 10, env: { A: "1" } } }), manifest)[0],
    ).toMatch(/load\.env: only a k6 script takes env \(smoke is a load scenario\)/);
  });
  it("sabotage switches become the variable of the services they act in; unknown ones are refused", () => {
    expect(sabotageEnv(manifest, ["lying-readiness"])).toEqual({ api: { SABOTAGE: "lying-readiness" } });
    expect(() => sabotageEnv(manifest, ["lying"])).toThrow(/unknown switch "lying".*lying-readiness/);
  });
  it("suggests the nearest name", () => {
    expect(distance("kitten", "sitting")).toBe(3);
    expect(nearest("payments-slw", ["payments-slow", "kafka-paused"])).toBe("payments-slow");
    expect(nearest("zzzzzzzz", ["payments-slow"])).toBeUndefined();
  });
});
