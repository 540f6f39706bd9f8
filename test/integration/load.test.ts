import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRunNetwork } from "../../src/env/managed-container.ts";
import { loadManifest } from "../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { LoadSetupError, runLoad } from "../../src/load/run-load.ts";
import { loadScenario } from "../../src/load/scenario.ts";
import { LoadRun, type FaultWindow } from "../../src/report/journal.ts";
import { projectRoot } from "../../src/paths.ts";

describe("load against the real shop", () => {
  let stack: StartedStack;

  beforeAll(async () => {
    stack = await new Environment(await loadManifest("shop", projectRoot())).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("smoke: create, read and list through the gateway, every threshold held", async () => {
    const seconds: number[] = [];
    const run = await runLoad(stack, await loadScenario("smoke"), {
      durationS: 8,
      onSecond: (s) => seconds.push(s.requests),
    });
    expect(() => LoadRun.parse(run)).not.toThrow();
    expect(run.thresholds.length).toBe(4);
    expect(run.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(run.status).toBe("passed");
    const names = Object.fromEntries(run.requests.map((r) => [r.name, r]));
    for (const n of ["create_order", "get_order", "list_products"]) {
      expect(names[n]?.count, n).toBeGreaterThan(0);
      expect(names[n]?.failed, n).toBe(0);
    }
    // The series adds up to the totals; the live callback saw every second.
    const total = run.series.reduce((a, s) => a + s.requests, 0);
    expect(total).toBe(run.requests.reduce((a, r) => a + r.count, 0));
    expect(seconds.reduce((a, b) => a + b, 0)).toBe(total);
    expect(run.metrics.http_req_duration?.values["p(95)"]).toBeGreaterThan(0);
  });

  it("spike: the gateway's rate limit sheds the excess with 429", async () => {
    const run = await runLoad(stack, await loadScenario("spike"), { durationS: 10 });
    const limited = run.thresholds.find((t) => t.metric === "rate_limited")!;
    expect(limited.ok).toBe(true);
    expect(run.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(run.status).toBe("passed");
    expect(run.series.reduce((a, s) => a + (s.codes["429"] ?? 0), 0)).toBeGreaterThan(0);
  });

  it("grpc: Charge, Reserve and GetOrder straight at the internal services", async () => {
    const run = await runLoad(stack, await loadScenario("grpc"), { durationS: 6 });
    expect(run.thresholds.filter((t) => !t.ok)).toEqual([]);
    const byName = Object.fromEntries(run.requests.map((r) => [r.name, r]));
    expect(byName.charge?.protocol).toBe("grpc");
    expect(byName.get_order?.count).toBeGreaterThan(0);
    expect(run.series.some((s) => (s.codes.OK ?? 0) > 0)).toBe(true);
  });

  it("load during a fault: before / during / after figures and the time to recover", async () => {
    const edge = stack.edge("gateway->inventory");
    const windows: FaultWindow[] = [];
    const actions: Promise<unknown>[] = [];
    const run = await runLoad(stack, await loadScenario("smoke"), {
      durationS: 12,
      faultWindows: () => windows,
      onSecond: (s) => {
        if (s.second === 3)
          actions.push(
            edge.addToxic({ type: "latency", attributes: { latency: 300 } }).then(() => {
              windows.push({
                id: "latency",
                label: "latency 300 ms on gateway->inventory",
                start: new Date().toISOString(),
              });
            }),
          );
        if (s.second === 6)
          actions.push(
            Promise.all(actions).then(async () => {
              await edge.removeToxic("latency_downstream");
              windows[0]!.end = new Date().toISOString();
            }),
          );
      },
    });
    await Promise.all(actions);
    expect(run.faultWindows).toHaveLength(1);
    const w = run.windows!;
    // list_products crosses the slowed edge: the p95 of all requests shows the 300 ms.
    expect(w.before.p95!).toBeLessThan(300);
    expect(w.during.p95!).toBeGreaterThanOrEqual(300);
    expect(w.after.p95!).toBeLessThan(300);
    expect(run.recoveryMs).not.toBeNull();
    expect(run.recoveryMs!).toBeGreaterThanOrEqual(0);
  });

  it("abortOnFail stops the run once its threshold is crossed", async () => {
    const base = await loadScenario("smoke");
    const scenario = {
      ...base,
      thresholds: {
        http_req_duration: [{ threshold: "p(95)<0.001", abortOnFail: true, delayAbortEval: "2s" }],
      },
    };
    const run = await runLoad(stack, scenario, { durationS: 60 });
    expect(run.status).toBe("failed");
    expect(run.detail).toMatch(
      /^stopped early: threshold http_req_duration p\(95\)<0\.001 crossed \(abortOnFail/,
    );
    // Stopped after the delay, far before the 60 s it was planned for.
    expect(run.series.length).toBeGreaterThanOrEqual(2);
    expect(run.series.length).toBeLessThan(60);
  });

  it("a target that does not answer fails in setup, before any load", async () => {
    await using empty = await createRunNetwork("faultline-load-nothing");
    const lines: number[] = [];
    const err = await runLoad({ manifest: stack.manifest, network: empty }, await loadScenario("smoke"), {
      durationS: 5,
      onSecond: (s) => lines.push(s.requests),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadSetupError);
    expect((err as Error).message).toMatch(
      /suites\/load\/smoke\.ts: setup failed, no load was sent: check "gateway:http": the target did not answer/,
    );
    expect(lines).toEqual([]);
  });
});

describe("load against a gateway without its rate limit", () => {
  let stack: StartedStack;

  beforeAll(async () => {
    stack = await new Environment(await loadManifest("shop", projectRoot()), {
      env: { gateway: { SHOP_SABOTAGE: "no-rate-limit" } },
    }).start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("spike fails its 429 threshold", async () => {
    const run = await runLoad(stack, await loadScenario("spike"), { durationS: 10 });
    const limited = run.thresholds.find((t) => t.metric === "rate_limited")!;
    expect(limited).toMatchObject({ ok: false, observed: 0 });
    expect(run.status).toBe("failed");
    expect(run.detail).toContain("rate_limited rate>0.1 (observed 0)");
  });
});
