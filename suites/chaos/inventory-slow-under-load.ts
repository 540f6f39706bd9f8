import { defineScenario } from "../../src/chaos/model.ts";
import { shopSteadyState } from "./support/shop.ts";

export default defineScenario({
  title: "Inventory slow under the smoke load: reads slow down while the fault lasts and recover after heal",
  description:
    "The smoke load scenario (suites/load/smoke.ts: create, read and list through the gateway) runs as the workload on the Go runner inside the stack's network while gateway->inventory gets 300 ms of latency for 10 s. The report shows the load's figures before, during and after the fault and the time to recover; the load must come back to its before-window figures after heal.",
  tags: ["load", "latency", "inventory", "recovery"],
  catches: {},
  steadyState: shopSteadyState,
  load: { scenario: "smoke", profile: "smoke", durationS: 30 },
  method: [
    { kind: "wait", seconds: 8 },
    {
      kind: "fault",
      name: "inventory-slow",
      fault: {
        type: "toxic",
        edge: "gateway->inventory",
        toxic: { type: "latency", attributes: { latency: 300 } },
      },
      forS: 10,
    },
    // Let the load run on after heal (it lasts 30 s from the start).
    { kind: "wait", seconds: 12 },
  ],
  invariants: [
    {
      name: "the fault shows in the load",
      description:
        "While gateway->inventory is 300 ms slower, the load's p95 is at least 200 ms above the before window (the fault reached the traffic).",
      check: async ({ load }) => {
        const w = load?.windows;
        if (!w || w.before.p95 === null || w.during.p95 === null)
          return { status: "unknown", detail: "no before or during figures recorded" };
        return w.during.p95 >= w.before.p95 + 200
          ? { status: "held", detail: `p95 ${w.before.p95} ms before, ${w.during.p95} ms during the fault` }
          : {
              status: "violated",
              detail: `p95 ${w.during.p95} ms during the fault is not 200 ms above ${w.before.p95} ms before: the fault did not reach the traffic`,
            };
      },
    },
    {
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
        const p95Ok = w.before.p95 !== null && w.after.p95 !== null && w.after.p95 <= 2 * w.before.p95 + 50;
        const errOk = w.after.errorRate <= w.before.errorRate + 0.01;
        const figures = `p95 before ${w.before.p95} ms, during ${w.during.p95} ms, after ${w.after.p95} ms; errors before ${(w.before.errorRate * 100).toFixed(1)} %, after ${(w.after.errorRate * 100).toFixed(1)} %; per-second recovery ${load.recoveryMs === null || load.recoveryMs === undefined ? "not reached" : `${load.recoveryMs} ms after heal`}`;
        return p95Ok && errOk
          ? { status: "held", detail: figures, values }
          : { status: "violated", detail: `the load did not come back after heal: ${figures}`, values };
      },
    },
    {
      name: "the load's thresholds hold",
      description:
        "The smoke scenario's own thresholds (errors, p95) hold over the whole run, fault included.",
      check: async ({ load }) => {
        if (!load) return { status: "unknown", detail: "no load run recorded" };
        const bad = load.thresholds.filter((t) => !t.ok);
        return bad.length
          ? {
              status: "violated",
              detail: bad.map((t) => `${t.metric} ${t.expression}: observed ${t.observed}`).join("; "),
            }
          : { status: "held", detail: `${load.thresholds.length} thresholds held` };
      },
    },
  ],
  timeoutS: 150,
});
