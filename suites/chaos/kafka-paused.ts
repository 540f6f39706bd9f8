import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Kafka paused, then unpaused: producers and consumers recover, no event lost",
  description:
    "The Kafka container is frozen (docker pause) for 10 s under load, then thawed. Orders keeps accepting (the outbox holds the events), the relay and notifications' consumer reconnect, and every order's events arrive exactly once.",
  tags: ["kafka", "container", "events"],
  catches: {},
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "fault",
      name: "kafka-paused",
      fault: { type: "container", target: "kafka", action: "pause" },
      forS: 10,
    },
  ],
  settleS: 60,
  timeoutS: 180,
});
