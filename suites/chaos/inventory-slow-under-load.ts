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
      name: "the load recovers after heal",
      description:
        "From some second after heal on, p95 and the error rate stay within tolerance of the before window (the load run's recoveryMs is set).",
      check: async ({ load }) => {
        if (!load) return { status: "unknown", detail: "no load run recorded" };
        const w = load.windows;
        const values = {
          recoveryMs: load.recoveryMs ?? null,
          ...(w ? { before: w.before, during: w.during, after: w.after } : {}),
        };
        if (load.recoveryMs === null || load.recoveryMs === undefined)
          return {
            status: "violated",
            detail: "p95 or the error rate never came back to the before window's figures",
            values,
          };
        return {
          status: "held",
          detail: `recovered ${load.recoveryMs} ms after heal (p95 before ${w?.before.p95 ?? "-"} ms, during ${w?.during.p95 ?? "-"} ms, after ${w?.after.p95 ?? "-"} ms)`,
          values,
        };
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
