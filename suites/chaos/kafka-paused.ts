import { atLeast, eq, where } from "../../src/chaos/tolerance.ts";
import { orderScenario } from "./support/shop.ts";

const TOPIC = "shop.orders.events";

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
      kind: "probe",
      id: "events-before",
      probe: { kind: "kafka", name: "events in the topic", topic: TOPIC, tolerance: atLeast(0) },
    },
    { kind: "fault", name: "kafka-paused", fault: { type: "container", target: "kafka", action: "pause" } },
    {
      kind: "expect",
      name: "kafka is frozen",
      probe: { kind: "container", name: "kafka's state", container: "kafka", tolerance: eq("paused") },
    },
    { kind: "wait", seconds: 10 },
    { kind: "heal", fault: "kafka-paused" },
    {
      // Read through the host's own edge: the events held back during the pause arrive.
      kind: "expect",
      name: "the events held back reach the topic after the thaw",
      probe: {
        kind: "kafka",
        name: "events in the topic",
        topic: TOPIC,
        tolerance: where("more than before the pause", (v, out) => Number(v) > Number(out["events-before"])),
      },
      withinS: 30,
    },
  ],
  settleS: 60,
  timeoutS: 180,
});
