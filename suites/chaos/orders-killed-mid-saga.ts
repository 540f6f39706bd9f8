import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Orders killed mid-saga under load, then restarted: recovery finishes every order",
  description:
    "orders is killed with SIGKILL while sagas are running and restarted 4 s later. Saga progress is persisted step by step: recovery in the new process must drive every order that was in flight to CONFIRMED or CANCELLED with stock, money and events balanced; requests in flight at the kill have unknown outcomes, settled by looking the orders up.",
  tags: ["saga", "recovery", "container", "orders"],
  catches: {},
  orders: { rate: 5 },
  method: [
    { kind: "wait", seconds: 3 },
    {
      kind: "fault",
      name: "orders-killed",
      fault: { type: "container", target: "orders", action: "kill" },
      forS: 4,
    },
  ],
  settleS: 60,
  timeoutS: 180,
});
