// Custom metrics with tagged thresholds: a Trend of order latency per flow, a Counter of orders,
// a Rate of reads that found their order and a Gauge of the last catalogue size.
// Run: faultline load run k6/custom-metrics.js
import http from "k6/http";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

const orderLatency = new Trend("order_latency", true);
const ordersPlaced = new Counter("orders_placed");
const readOk = new Rate("read_ok");
const catalogueSize = new Gauge("catalogue_size");

export const options = {
  vus: 3,
  iterations: 30,
  thresholds: {
    "order_latency{flow:create}": ["p(95)<1500"],
    "order_latency{flow:read}": ["p(95)<1000", "avg<800"],
    "orders_placed{currency:EUR}": ["count==30"],
    read_ok: ["rate>0.99"],
    catalogue_size: ["value>0"],
  },
};

export default function () {
  const list = http.get(`${__ENV.BASE_URL}/v1/products`);
  const products = list.json();
  catalogueSize.add(Array.isArray(products) ? products.length : list.json("products.#") || 0);
  const created = http.post(
    `${__ENV.BASE_URL}/v1/orders`,
    JSON.stringify({
      customer_id: `k6-metrics-${__VU}`,
      currency: "EUR",
      lines: [{ sku: "SKU-1", quantity: 1 }],
    }),
    {
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": `metrics-${__VU}-${__ITER}-${Date.now()}`,
      },
    },
  );
  orderLatency.add(created.timings.duration, { flow: "create" });
  if (created.status === 201 || created.status === 200) ordersPlaced.add(1, { currency: "EUR" });
  const read = http.get(`${__ENV.BASE_URL}/v1/orders/${created.json("id")}`);
  orderLatency.add(read.timings.duration, { flow: "read" });
  readOk.add(read.status === 200);
}
