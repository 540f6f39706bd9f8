// Ramping stress test: VUs climb in stages past the gateway's rate limit, hold, then ramp down.
// A 429 with Retry-After is the gateway shedding load as designed, so it counts as expected;
// anything else (5xx, resets, a 429 without Retry-After) fails. Run: faultline load run k6/stress.js
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";

const shed = new Counter("shed_requests");

export const options = {
  stages: [
    { duration: "4s", target: 8 },
    { duration: "4s", target: 8 },
    { duration: "2s", target: 0 },
  ],
  thresholds: {
    http_req_failed: ["rate<0.01"],
    checks: ["rate>0.99"],
    "http_req_duration{expected_response:true}": [
      { threshold: "p(99)<3000", abortOnFail: true, delayAbortEval: "3s" },
    ],
    "http_reqs{status:200}": ["count>100"],
  },
};

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 429));

export default function () {
  const res = http.get(`${__ENV.GATEWAY_URL}/v1/products`, { tags: { name: "list_products" } });
  if (res.status === 429) shed.add(1);
  check(res, {
    "served or shed politely": (r) =>
      r.status === 200 || (r.status === 429 && r.headers["Retry-After"] !== undefined),
  });
}
