import { at, eq } from "../../src/chaos/tolerance.ts";
import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Payments killed and restarted: orders stays ready, compensates, recovers",
  description:
    "payments is killed (SIGKILL) under load and restarted 10 s later. Payments sits behind orders' breaker, so its outage must not make orders or the gateway unready (no cascading readiness); orders compensate meanwhile and confirm again after the restart.",
  tags: ["readiness", "container", "payments", "saga"],
  catches: {},
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "fault",
      name: "payments-killed",
      fault: { type: "container", target: "payments", action: "kill" },
      forS: 10,
    },
    {
      kind: "expect",
      name: "orders stays ready while payments is down",
      probe: {
        kind: "http",
        name: "orders /readyz",
        service: "orders",
        path: "/readyz",
        tolerance: at("$.status", eq(200)),
      },
      holdS: 6,
    },
    {
      kind: "expect",
      name: "the gateway stays ready while payments is down",
      probe: {
        kind: "http",
        name: "gateway /readyz",
        service: "gateway",
        path: "/readyz",
        tolerance: at("$.status", eq(200)),
      },
      holdS: 1,
    },
  ],
  timeoutS: 180,
});
