import { orderScenario, NO_STOCK_HELD } from "./support/shop.ts";

export default orderScenario({
  title: "Payments cut mid-saga: orders are compensated, stock released, nothing charged",
  description:
    "The orders->payments edge is cut for 8 s while orders are placed: sagas that reserved stock cannot charge. Each must be compensated (its reservation released, any charge refunded) and cancelled; nothing is lost.",
  tags: ["saga", "compensation", "partition", "payments"],
  catches: { "no-compensation": NO_STOCK_HELD },
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "payments-cut", fault: { type: "cut", edge: "orders->payments" }, forS: 8 },
  ],
  timeoutS: 150,
});
