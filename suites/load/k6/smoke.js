// Smoke test: a few VUs walk the shop's REST API through the gateway; every check and threshold
// must hold. Run: faultline load run k6/smoke.js
import http from "k6/http";
import { check, group, sleep } from "k6";

export const options = {
  vus: 2,
  duration: "10s",
  thresholds: {
    http_req_failed: ["rate<0.01"],
    // -e P95_MS=1 tightens it so that it fails (exit 99).
    http_req_duration: [`p(95)<${__ENV.P95_MS || 1500}`],
    "http_req_duration{name:list_products}": ["p(95)<1000"],
    checks: ["rate>0.99"],
  },
};

const BASE = __ENV.BASE_URL;

export default function () {
  group("catalogue", () => {
    const res = http.get(`${BASE}/v1/products`, { tags: { name: "list_products" } });
    check(res, {
      "products answer 200": (r) => r.status === 200,
      "products are JSON": (r) => r.headers["Content-Type"] && r.headers["Content-Type"].includes("json"),
    });
  });
  group("order", () => {
    const body = JSON.stringify({
      customer_id: `k6-smoke-${__VU}-${__ITER}`,
      currency: "EUR",
      lines: [{ sku: "SKU-1", quantity: 1 }],
    });
    const created = http.post(`${BASE}/v1/orders`, body, {
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": `smoke-${__VU}-${__ITER}-${Date.now()}`,
      },
      tags: { name: "create_order" },
    });
    const ok = check(created, { "order created": (r) => r.status === 201 || r.status === 200 });
    if (!ok) return;
    const id = created.json("id");
    const read = http.get(`${BASE}/v1/orders/${id}`, { tags: { name: "get_order" } });
    check(read, {
      "order read back": (r) => r.status === 200,
      "same order": (r) => r.json("id") === id,
    });
  });
  sleep(0.2);
}
