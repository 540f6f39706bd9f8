import { defineLoadScenario } from "../../src/load/scenario.ts";

/**
 * A spike to three times the gateway's rate limit (RATE_LIMIT_RPS 200 in targets/shop/faultline.yaml)
 * on its cheapest read: the gateway must shed the excess with 429 rather than pass it on.
 */
export default defineLoadScenario({
  description: "list_products at 3x the gateway's rate limit; the excess must be refused with 429",
  profile: "spike",
  rate: 200,
  maxVUs: 400,
  timeout: "5s",
  requests: [{ name: "list_products", service: "gateway", path: "/v1/products" }],
  rates: { rate_limited: { codes: ["429"] } },
  thresholds: {
    rate_limited: ["rate>0.1"],
    "http_reqs{status:500}": ["count==0"],
  },
});
