import { describe, expect, it } from "vitest";
import type { InvariantContext } from "../../src/chaos/model.ts";
import type { LoadRun } from "../../src/report/journal.ts";
import {
  faultShowsInLoad,
  loadRecovers,
  loadThresholdsHold,
} from "../../suites/chaos/support/load-checks.ts";

const run = (
  before: number | null,
  during: number | null,
  after: number | null,
  extra: Partial<LoadRun> = {},
) =>
  ({
    name: "smoke.js",
    executor: "k6",
    status: "passed",
    detail: "4 thresholds held",
    series: [],
    thresholds: [{ metric: "http_req_failed", expression: "rate<0.01", observed: 0, ok: true }],
    windows: {
      before: { rps: 10, errorRate: 0, p95: before },
      during: { rps: 10, errorRate: 0, p95: during },
      after: { rps: 10, errorRate: 0, p95: after },
    },
    ...extra,
  }) as unknown as LoadRun;

const judge = (inv: ReturnType<typeof faultShowsInLoad>, load?: LoadRun) =>
  inv.check({ load } as unknown as InvariantContext).then((o) => o.status);

describe("the invariants of a scenario whose workload is a load run", () => {
  it("the fault shows: held at the toxic's latency even after a noisy before window; violated when it never reached the traffic", async () => {
    const inv = faultShowsInLoad(300);
    expect(await judge(inv, run(25, 331, 26))).toBe("held");
    // The CI run of 78bb22e: 105 ms before (a loaded machine), 305 ms during a 300 ms toxic.
    expect(await judge(inv, run(105, 305, 30))).toBe("held");
    expect(await judge(inv, run(25, 40, 26))).toBe("violated");
    // A before window as slow as the fault: not shown by the fault.
    expect(await judge(inv, run(290, 320, 30))).toBe("violated");
    expect(await judge(inv, run(null, 320, 30))).toBe("unknown");
    expect(await judge(inv, undefined)).toBe("unknown");
    expect(
      await judge(
        faultShowsInLoad(300, { executor: "k6" }),
        run(25, 331, 26, { executor: "runner" } as never),
      ),
    ).toBe("unknown");
  });

  it("recovers: p95 back within 2× + 50 ms and errors within a point; thresholds: every one held and the run passed", async () => {
    expect(await judge(loadRecovers(), run(25, 331, 90))).toBe("held");
    expect(await judge(loadRecovers(), run(25, 331, 120))).toBe("violated");
    const t = loadThresholdsHold("x");
    expect(await judge(t, run(25, 331, 26))).toBe("held");
    expect(
      await judge(
        t,
        run(25, 331, 26, {
          thresholds: [{ metric: "checks", expression: "rate>0.99", observed: 0.5, ok: false }],
        } as never),
      ),
    ).toBe("violated");
    expect(await judge(t, run(25, 331, 26, { thresholds: [] }))).toBe("unknown");
  });
});
