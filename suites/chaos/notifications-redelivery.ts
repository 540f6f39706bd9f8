import { orderScenario, EVENTS_ONCE } from "./support/shop.ts";

export default orderScenario({
  title: "Notifications killed mid-batch: redelivered events are handled once",
  description:
    "notifications' database gets slow (100 ms per round trip) while events flow, so each poll brings a batch that takes seconds to store; then notifications is killed (SIGKILL) mid-batch and restarted. Its group resumes from the last committed offset and gets the events it had stored but not committed again: each must still be handled exactly once.",
  tags: ["kafka", "at-least-once", "dedupe", "notifications"],
  catches: { "duplicate-delivery": EVENTS_ONCE },
  orders: { rate: 5 },
  method: [
    { kind: "wait", seconds: 3 },
    {
      // Each event now takes several slow round trips to store: a backlog builds up and
      // every poll brings a batch that takes seconds to handle.
      kind: "fault",
      name: "notifications-db-slow",
      fault: {
        type: "toxic",
        edge: "notifications->postgres",
        toxic: { type: "latency", attributes: { latency: 100, jitter: 0 } },
      },
    },
    { kind: "wait", seconds: 5 },
    // Killed mid-batch: events stored but whose offsets were not committed come again.
    {
      kind: "fault",
      name: "notifications-killed",
      fault: { type: "container", target: "notifications", action: "kill" },
    },
    { kind: "heal", fault: "notifications-db-slow" },
    { kind: "heal", fault: "notifications-killed" },
    { kind: "wait", seconds: 3 },
  ],
  settleS: 60,
  timeoutS: 180,
});
