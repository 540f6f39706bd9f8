import { defineLoadScenario } from "../../src/load/scenario.ts";

/**
 * One product read from inventory's HTTP port (JSON). With product-read-grpc, the two sides of
 * `faultline bench claims`' REST vs gRPC comparison: the same read, the same message.
 */
export default defineLoadScenario({
  description: "inventory's product read over HTTP/JSON",
  profile: "smoke",
  rate: 1,
  executor: { type: "constant-vus", vus: 8, duration: "15s" },
  requests: [{ name: "product_read", service: "inventory", path: "/v1/products/SKU-1" }],
  thresholds: {},
});
