import { orderScenario } from "./support/shop.ts";

/** The edges the nemesis picks from; `--seed` decides which (and reproduces it). */
const AMONG = [
  "orders->payments",
  "orders->inventory",
  "orders->kafka",
  "notifications->kafka",
  "gateway->orders",
];

export default orderScenario({
  title: "A random partition (the nemesis, seeded): one internal edge cut, then another",
  description: `Twice, an edge chosen with the run's seed among ${AMONG.join(", ")} is cut for 5 s. Whatever is cut, every invariant must hold after heal; the same --seed cuts the same edges.`,
  tags: ["nemesis", "partition", "random"],
  catches: {},
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "nemesis-1", fault: { type: "random-partition", among: AMONG }, forS: 5 },
    { kind: "wait", seconds: 6 },
    { kind: "fault", name: "nemesis-2", fault: { type: "random-partition", among: AMONG }, forS: 5 },
  ],
  settleS: 60,
  timeoutS: 180,
});
