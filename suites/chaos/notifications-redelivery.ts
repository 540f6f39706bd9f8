import { defineScenario } from "../../src/chaos/model.ts";
import { placeOrders, seedStock, shopInvariants, shopSteadyState, EVENTS_ONCE } from "./support/shop.ts";

export default defineScenario({
  title: "Notifications loses Kafka mid-batch and is killed: redelivered events are handled once",
  description:
    "notifications->kafka stops passing data (a timeout toxic) while events flow, so offsets of handled events cannot be committed; then notifications is killed and restarted. Its consumer group resumes from the last committed offset and gets those events again: each must still be handled exactly once.",
  tags: ["kafka", "at-least-once", "dedupe", "notifications"],
  catches: { "duplicate-delivery": EVENTS_ONCE },
  setup: seedStock,
  steadyState: shopSteadyState,
  workload: placeOrders({ rate: 5 }),
  method: [
    { kind: "wait", seconds: 3 },
    {
      kind: "fault",
      name: "notifications-stalled",
      fault: {
        type: "toxic",
        edge: "notifications->kafka",
        stream: "upstream",
        toxic: { type: "timeout", attributes: { timeout: 0 } },
      },
    },
    { kind: "wait", seconds: 4 },
    {
      kind: "fault",
      name: "notifications-killed",
      fault: { type: "container", target: "notifications", action: "kill" },
    },
    { kind: "heal", fault: "notifications-stalled" },
    { kind: "heal", fault: "notifications-killed" },
    { kind: "wait", seconds: 3 },
  ],
  invariants: shopInvariants(60),
  timeoutS: 180,
});
