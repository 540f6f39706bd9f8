import { at, eq, where } from "../../src/chaos/tolerance.ts";
import { orderScenario } from "./support/shop.ts";

export default orderScenario({
  title: "Orders cut from its database: it says not ready within seconds, ready again after heal",
  description:
    "orders->postgres is cut for 10 s. orders cannot serve, so its /readyz and its gRPC health must say so within 5 s (a load balancer stops sending it traffic), the gateway must stay ready (no cascade), and orders must be ready again after heal.",
  tags: ["readiness", "postgres", "partition"],
  catches: { "lying-readiness": "orders reports not ready" },
  orders: { rate: 2 },
  method: [
    { kind: "wait", seconds: 2 },
    { kind: "fault", name: "orders-db-cut", fault: { type: "cut", edge: "orders->postgres" } },
    {
      kind: "expect",
      name: "orders reports not ready",
      probe: {
        kind: "http",
        name: "orders /readyz",
        service: "orders",
        path: "/readyz",
        tolerance: at("$.status", eq(503)),
      },
      withinS: 5,
    },
    {
      kind: "expect",
      name: "orders' gRPC health says NOT_SERVING",
      probe: {
        kind: "grpc-health",
        name: "orders grpc.health.v1",
        service: "orders",
        tolerance: where("not SERVING", (v) => v !== "SERVING"),
      },
      withinS: 5,
    },
    {
      kind: "expect",
      name: "the gateway stays ready",
      probe: {
        kind: "http",
        name: "gateway /readyz",
        service: "gateway",
        path: "/readyz",
        tolerance: at("$.status", eq(200)),
      },
      holdS: 2,
    },
    { kind: "wait", seconds: 3 },
    { kind: "heal", fault: "orders-db-cut" },
    {
      kind: "expect",
      name: "orders is ready again after heal",
      probe: {
        kind: "http",
        name: "orders /readyz",
        service: "orders",
        path: "/readyz",
        tolerance: at("$.status", eq(200)),
      },
      withinS: 15,
    },
  ],
  timeoutS: 150,
});
