import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "A thin pipe between gateway and orders (2 KB/s both ways): slow, but nothing lost",
  description:
    "gateway->orders is limited to 2 KB/s in both directions for 8 s. Requests take longer and some time out at the gateway (unknown outcomes); the orders behind them must still end confirmed or cancelled, each exactly once.",
  tags: ["bandwidth", "gateway", "orders"],
  catches: {},
  orders: { rate: 3 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "fault",
      name: "thin-pipe",
      fault: {
        type: "toxic",
        edge: "gateway->orders",
        stream: "both",
        toxic: { type: "bandwidth", attributes: { rate: 2 } },
      },
      forS: 8,
    },
  ],
  timeoutS: 150,
});
