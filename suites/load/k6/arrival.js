// Two named open-model scenarios with their own functions: browsers at a constant rate, buyers
// ramping up later. Run: faultline load run k6/arrival.js
import http from "k6/http";
import { check } from "k6";

export const options = {
  scenarios: {
    browse: {
      executor: "constant-arrival-rate",
      exec: "browse",
      rate: 20,
      timeUnit: "1s",
      duration: "8s",
      preAllocatedVUs: 4,
      maxVUs: 10,
      tags: { flow: "browse" },
    },
    buy: {
      executor: "ramping-arrival-rate",
      exec: "buy",
      startTime: "2s",
      startRate: 1,
      timeUnit: "1s",
      preAllocatedVUs: 2,
      maxVUs: 6,
      stages: [
        { duration: "3s", target: 5 },
        { duration: "3s", target: 5 },
      ],
      env: { CURRENCY: "EUR" },
    },
  },
  thresholds: {
    "http_req_duration{scenario:browse}": ["p(95)<1000"],
    "http_req_duration{scenario:buy}": ["p(95)<2000"],
    "http_reqs{flow:browse}": ["count>100"],
    "checks{scenario:buy}": ["rate>0.95"],
    dropped_iterations: ["count<10"],
  },
};

export function browse() {
  const res = http.get(`${__ENV.BASE_URL}/v1/products`);
  check(res, { "browse 200": (r) => r.status === 200 });
}

export function buy() {
  const res = http.post(
    `${__ENV.BASE_URL}/v1/orders`,
    JSON.stringify({
      customer_id: `k6-buy-${__VU}-${__ITER}`,
      currency: __ENV.CURRENCY,
      lines: [{ sku: "SKU-1", quantity: 1 }],
    }),
    {
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": `buy-${__VU}-${__ITER}-${Date.now()}`,
      },
    },
  );
  check(res, { bought: (r) => r.status === 201 || r.status === 200 });
}
