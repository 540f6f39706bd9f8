import { where } from "../../src/chaos/tolerance.ts";
import { orderScenario } from "./support/shop.ts";

const calls = {
  kind: "metric",
  service: "orders",
  metric: "shop_dependency_calls_total",
  labels: { dependency: "payments" },
} as const;
const MAX_CALLS_PER_S = 100;

export default orderScenario({
  title: "Payments down under load: orders' calls to payments stay bounded",
  description: `payments is stopped for 10 s while orders are placed at 4/s. Orders retries with backoff and a limit, behind a breaker: its attempts to call payments must stay under ${MAX_CALLS_PER_S}/s on average over the outage (a retry storm makes thousands).`,
  tags: ["retry", "backoff", "payments", "overload"],
  catches: { "retry-storm": "calls to payments stay bounded" },
  orders: { rate: 4 },
  method: [
    { kind: "wait", seconds: 2 },
    {
      kind: "probe",
      id: "calls-before",
      probe: { ...calls, name: "payment calls so far", tolerance: where("any", () => true) },
    },
    {
      kind: "fault",
      name: "payments-stopped",
      fault: { type: "container", target: "payments", action: "stop" },
    },
    { kind: "wait", seconds: 10 },
    {
      kind: "expect",
      name: "calls to payments stay bounded",
      probe: {
        ...calls,
        name: "payment calls since the outage began",
        tolerance: where(
          `at most ${MAX_CALLS_PER_S} calls/s over the outage`,
          (v, out) => (Number(v) - Number(out["calls-before"] ?? 0)) / 12 <= MAX_CALLS_PER_S,
        ),
      },
    },
    { kind: "heal", fault: "payments-stopped" },
  ],
  settleS: 60,
  timeoutS: 180,
});
