import { defineScenario } from "../../src/chaos/model.ts";
import { placeOrders, seedStock, shopInvariants, shopSteadyState } from "./support/shop.ts";

export default defineScenario({
  title: "A thin pipe between gateway and orders (2 KB/s both ways): slow, but nothing lost",
  description:
    "gateway->orders is limited to 2 KB/s in both directions for 8 s. Requests take longer and some time out at the gateway (unknown outcomes); the orders behind them must still end confirmed or cancelled, each exactly once.",
  tags: ["bandwidth", "gateway", "orders"],
  catches: {},
  setup: seedStock,
  steadyState: shopSteadyState,
  workload: placeOrders({ rate: 3 }),
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
  invariants: shopInvariants(),
  timeoutS: 150,
});
