import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Inventory cut: orders fail fast and nothing is charged",
  description:
    "The orders->inventory edge is cut for 8 s: no stock can be reserved, so no order may be charged; every order placed meanwhile is cancelled, with nothing captured.",
  tags: ["partition", "inventory", "saga"],
  catches: {},
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "inventory-cut", fault: { type: "cut", edge: "orders->inventory" }, forS: 8 },
  ],
  timeoutS: 150,
});
