import { orderScenario, NO_STOCK_HELD } from "./support/shop.ts";

export default orderScenario({
  title: "A declined payment: the order is cancelled and its stock released",
  description:
    "The business failure path, with no fault: orders of 100 × 15.00 EUR exceed payments' decline limit (1000.00 EUR). Each is cancelled as declined, its reservation released, nothing captured.",
  tags: ["saga", "compensation", "business-failure"],
  catches: { "no-compensation": NO_STOCK_HELD },
  orders: { rate: 3, quantity: 100 },
  method: [{ kind: "wait", seconds: 5 }],
  timeoutS: 120,
});
