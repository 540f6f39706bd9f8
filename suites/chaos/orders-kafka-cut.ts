import { atLeast } from "../../src/chaos/tolerance.ts";
import { orderScenario, EVENTS_ONCE } from "./support/shop.ts";

export default orderScenario({
  title: "Orders cut from Kafka under load: orders keep succeeding, every event arrives once after heal",
  description:
    "orders->kafka is cut for 14 s while orders are placed, and orders is killed (SIGKILL) in the middle of it and restarted. The outbox keeps the events on disk: orders must keep being accepted while Kafka is away, and after heal every order's events must reach notifications, each exactly once.",
  tags: ["kafka", "outbox", "partition", "events"],
  catches: { "dual-write": EVENTS_ONCE },
  orders: { rate: 4, timeoutMs: 15_000 },
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "kafka-cut", fault: { type: "cut", edge: "orders->kafka" }, forS: 14 },
    { kind: "wait", seconds: 5 },
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
    // A crash while events wait for Kafka: the outbox has them on disk, a direct publish only in memory.
    {
      kind: "fault",
      name: "orders-killed",
      fault: { type: "container", target: "orders", action: "kill" },
      forS: 2,
    },
  ],
  settleS: 30,
  timeoutS: 180,
});
