import { defineScenario } from "../../src/chaos/model.ts";
import { faultShowsInLoad, loadRecovers, loadThresholdsHold } from "./support/load-checks.ts";
import { shopSteadyState } from "./support/shop.ts";

/** The latency on gateway->orders. */
const LATENCY_MS = 300;

export default defineScenario({
  title:
    "Orders slow under a k6 script: the script's orders slow down while the fault lasts, nothing fails, it recovers",
  description: `A k6 script, unchanged (suites/load/k6/smoke.js: list products, create an order, read it back, with k6's checks and thresholds), runs as the workload on the Go runner's JavaScript engine inside the stack's network for 20 s, while gateway->orders gets ${LATENCY_MS} ms of latency for 6 s. The script's per-second series, the fault window and the before/during/after figures go in the journal as a declarative load's do: its p95 must reach the toxic's latency during the fault, come back after heal, and the script's own thresholds (no failed request, checks above 99 %) must hold throughout.`,
  tags: ["load", "k6", "latency", "orders", "recovery"],
  catches: {},
  steadyState: shopSteadyState,
  load: { scenario: "k6/smoke.js", durationS: 20 },
  method: [
    { kind: "wait", seconds: 6 },
    {
      kind: "fault",
      name: "orders-slow",
      fault: {
        type: "toxic",
        edge: "gateway->orders",
        toxic: { type: "latency", attributes: { latency: LATENCY_MS } },
      },
      forS: 6,
    },
    // The script runs on after heal (20 s from the start).
    { kind: "wait", seconds: 8 },
  ],
  invariants: [
    faultShowsInLoad(LATENCY_MS, { executor: "k6" }),
    loadRecovers(),
    loadThresholdsHold(
      "smoke.js's own thresholds (http_req_failed, checks, the p95 of every request and of list_products) hold over the whole run, fault included: the k6 runner exits 0.",
    ),
  ],
  timeoutS: 120,
});
