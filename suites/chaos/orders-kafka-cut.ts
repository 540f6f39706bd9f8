import { defineScenario } from "../../src/chaos/model.ts";
import { atLeast } from "../../src/chaos/tolerance.ts";
import { placeOrders, seedStock, shopInvariants, shopSteadyState, EVENTS_ONCE } from "./support/shop.ts";

export default defineScenario({
  title: "Orders cut from Kafka under load: orders keep succeeding, every event arrives once after heal",
  description:
    "orders->kafka is cut for 12 s while orders are placed. The outbox keeps the events: orders must keep being accepted at once, and after heal every order's events must reach notifications, each exactly once.",
  tags: ["kafka", "outbox", "partition", "events"],
  catches: { "dual-write": EVENTS_ONCE },
  setup: seedStock,
  steadyState: shopSteadyState,
  workload: placeOrders({ rate: 4, timeoutMs: 15_000 }),
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "kafka-cut", fault: { type: "cut", edge: "orders->kafka" }, forS: 12 },
    { kind: "wait", seconds: 6 },
    {
      kind: "expect",
      name: "orders keep being accepted while Kafka is cut",
      probe: {
        kind: "workload",
        name: "accepted share of the last 4 s",
        figure: "okRate",
        windowS: 4,
        tolerance: atLeast(0.9),
      },
    },
  ],
  invariants: shopInvariants(60),
  timeoutS: 180,
});
