/**
 * Invariants of a scenario whose workload is a load run (a declarative load scenario or a k6
 * script): the fault reached the traffic, the traffic came back after heal, the load's own
 * thresholds held. They read the journal's load run (`load`): its fault windows and figures.
 */
import type { Invariant } from "../../../src/chaos/model.ts";

/**
 * A latency toxic of `latencyMs` on an edge the load crosses shows in the load: the during
 * window's p95 is at least the toxic's latency (a request through it cannot be faster), and
 * clearly above the before window's p95 (by half the latency).
 *
 * Not "p95 rose by 2/3 of the latency": the before window's p95 is the noisiest figure a loaded
 * machine gives (105 ms before against ~10 ms on a quiet one, in the CI run of 78bb22e, where
 * 305 ms during a 300 ms toxic failed "200 ms above 105 ms"). A request through the toxic takes
 * at least its latency whatever the machine does, so that bound cannot be met by noise; the
 * second bound keeps a before window that is as slow as the fault from passing.
 */
export function faultShowsInLoad(latencyMs: number, opts: { executor?: "k6" } = {}): Invariant {
  return {
    name: "the fault shows in the load",
    description: `While the edge is ${latencyMs} ms slower, the load's p95 is at least ${latencyMs} ms (a request through the toxic cannot be faster) and at least ${latencyMs / 2} ms above the before window's: the fault reached the traffic.`,
    check: async ({ load }) => {
      const w = load?.windows;
      if (!load) return { status: "unknown", detail: "no load run recorded" };
      if (opts.executor && load.executor !== opts.executor)
        return { status: "unknown", detail: `the load ran on ${load.executor}, not ${opts.executor}` };
      if (!w || w.before.p95 === null || w.during.p95 === null)
        return { status: "unknown", detail: "no before or during figures recorded" };
      const figures = `p95 ${w.before.p95} ms before, ${w.during.p95} ms during the fault (${load.series.length} seconds of series)`;
      return w.during.p95 >= latencyMs && w.during.p95 >= w.before.p95 + latencyMs / 2
        ? { status: "held", detail: figures }
        : {
            status: "violated",
            detail: `${figures}: not at least ${latencyMs} ms and ${latencyMs / 2} ms above before: the fault did not reach the traffic`,
          };
    },
  };
}

/** After heal the load comes back to its before-window figures: p95 within 2× + 50 ms, errors within 1 point. */
export function loadRecovers(): Invariant {
  return {
    name: "the load recovers after heal",
    description:
      "After heal the load comes back to its before-window figures: p95 within 2× + 50 ms of before and the error rate within 1 point (the per-second time to recover is reported beside it).",
    check: async ({ load }) => {
      const w = load?.windows;
      if (!load || !w) return { status: "unknown", detail: "no load run with fault windows recorded" };
      const values = {
        recoveryMs: load.recoveryMs ?? null,
        before: w.before,
        during: w.during,
        after: w.after,
      };
      const ok =
        w.before.p95 !== null &&
        w.after.p95 !== null &&
        w.after.p95 <= 2 * w.before.p95 + 50 &&
        w.after.errorRate <= w.before.errorRate + 0.01;
      const recovery =
        load.recoveryMs === null || load.recoveryMs === undefined
          ? "not reached"
          : `${load.recoveryMs} ms after heal`;
      const figures = `p95 before ${w.before.p95} ms, during ${w.during.p95} ms, after ${w.after.p95} ms; errors before ${(w.before.errorRate * 100).toFixed(1)} %, after ${(w.after.errorRate * 100).toFixed(1)} %; per-second recovery ${recovery}`;
      return ok
        ? { status: "held", detail: figures, values }
        : { status: "violated", detail: `the load did not come back after heal: ${figures}`, values };
    },
  };
}

/** The load's own thresholds hold over the whole run, fault included (a k6 script: its runner exits 0). */
export function loadThresholdsHold(description: string): Invariant {
  return {
    name: "the load's thresholds hold",
    description,
    check: async ({ load }) => {
      if (!load) return { status: "unknown", detail: "no load run recorded" };
      if (load.thresholds.length === 0)
        return { status: "unknown", detail: "the load reported no threshold" };
      const bad = load.thresholds.filter((t) => !t.ok);
      return bad.length || load.status !== "passed"
        ? {
            status: "violated",
            detail: `${load.detail}${bad.length ? `: ${bad.map((t) => `${t.metric} ${t.expression}: observed ${t.observed}`).join("; ")}` : ""}`,
          }
        : { status: "held", detail: `${load.thresholds.length} thresholds held` };
    },
  };
}
