import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Orders' database slow (150 ms ± 50 per response): everything still balances",
  description:
    "150 ms of latency (±50 ms jitter) on every response from PostgreSQL to orders for 10 s. Orders gets slow, but nothing may be lost, double-charged or left pending.",
  tags: ["latency", "postgres", "orders"],
  catches: {},
  orders: { rate: 3 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "fault",
      name: "orders-db-slow",
      fault: {
        type: "toxic",
        edge: "orders->postgres",
        toxic: { type: "latency", attributes: { latency: 150, jitter: 50 } },
      },
      forS: 10,
    },
  ],
  timeoutS: 150,
});
