// Orders placed by customers read once from customers.json into a SharedArray. The orders are
// created in setup() and read back by every VU. Run: faultline load run k6/shared-data.js
import http from "k6/http";
import { check } from "k6";
import { SharedArray } from "k6/data";

const customers = new SharedArray("customers", function () {
  return JSON.parse(open("./customers.json")).customers;
});

export const options = {
  scenarios: { readers: { executor: "per-vu-iterations", vus: 4, iterations: 5, maxDuration: "30s" } },
  thresholds: { checks: ["rate==1"], "http_req_duration{name:get_order}": ["p(95)<1000"] },
};

export function setup() {
  const ids = [];
  for (const c of customers) {
    const res = http.post(
      `${__ENV.BASE_URL}/v1/orders`,
      JSON.stringify({ customer_id: c.id, currency: "EUR", lines: [{ sku: c.sku, quantity: c.quantity }] }),
      { headers: { "Content-Type": "application/json", "Idempotency-Key": `shared-${c.id}-${Date.now()}` } },
    );
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`setup: order for ${c.id} answered ${res.status}`);
    ids.push({ id: res.json("id"), customer: c.id });
  }
  return { orders: ids };
}

export default function (data) {
  const pick = data.orders[(__VU + __ITER) % data.orders.length];
  const res = http.get(`${__ENV.BASE_URL}/v1/orders/${pick.id}`, { tags: { name: "get_order" } });
  check(res, {
    "order found": (r) => r.status === 200,
    "customer matches": (r) => r.json("customer_id") === pick.customer,
    "customer is known": () => customers.some((c) => c.id === pick.customer),
  });
}
