import { defineScenario } from "../../src/chaos/model.ts";
import { faultShowsInLoad, loadRecovers, loadThresholdsHold } from "./support/load-checks.ts";
import { shopSteadyState } from "./support/shop.ts";

const LATENCY_MS = 300;

export default defineScenario({
  title: "Inventory slow under the smoke load: reads slow down while the fault lasts and recover after heal",
  description: `The smoke load scenario (suites/load/smoke.ts: create, read and list through the gateway) runs as the workload on the Go runner inside the stack's network while gateway->inventory gets ${LATENCY_MS} ms of latency for 10 s. The report shows the load's figures before, during and after the fault and the time to recover; the load must come back to its before-window figures after heal.`,
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
        toxic: { type: "latency", attributes: { latency: LATENCY_MS } },
      },
      forS: 10,
    },
    // Let the load run on after heal (it lasts 30 s from the start).
    { kind: "wait", seconds: 12 },
  ],
  invariants: [
    faultShowsInLoad(LATENCY_MS),
    loadRecovers(),
    loadThresholdsHold(
      "The smoke scenario's own thresholds (errors, p95) hold over the whole run, fault included.",
    ),
  ],
  timeoutS: 150,
});
