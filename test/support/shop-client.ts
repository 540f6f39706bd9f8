// A small client of the shop's public APIs (gateway REST, notifications REST) for the harness's own tests.

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface Order {
  id: string;
  status: "pending" | "confirmed" | "cancelled";
  total_cents: number;
  cancellation_reason: string;
  lines: (OrderLine & { unit_price_cents: number })[];
}

export interface Product {
  sku: string;
  name: string;
  price_cents: number;
  available: number;
  reserved: number;
  initial: number;
}

export interface Notification {
  order_id: string;
  event_id: string;
  event_type: string;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export class ShopClient {
  constructor(
    readonly gatewayUrl: string,
    readonly notificationsUrl: string,
  ) {}

  async placeOrder(
    lines: OrderLine[],
    opts: { customer?: string; key?: string } = {},
  ): Promise<{ status: number; order: Order }> {
    const res = await fetch(`${this.gatewayUrl}/v1/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(opts.key ? { "idempotency-key": opts.key } : {}) },
      body: JSON.stringify({ customer_id: opts.customer ?? "c-1", currency: "EUR", lines }),
    });
    return { status: res.status, order: await json<Order>(res, "POST /v1/orders") };
  }

  async order(id: string): Promise<Order> {
    return json<Order>(await fetch(`${this.gatewayUrl}/v1/orders/${id}`), `GET /v1/orders/${id}`);
  }

  /** Polls until the order is confirmed or cancelled (bounded). */
  async settled(id: string, timeoutMs = 30_000): Promise<Order> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const o = await this.order(id);
      if (o.status !== "pending") return o;
      if (Date.now() > until) throw new Error(`order ${id} still pending after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async products(): Promise<Product[]> {
    return (
      await json<{ products: Product[] }>(await fetch(`${this.gatewayUrl}/v1/products`), "GET /v1/products")
    ).products;
  }

  async product(sku: string): Promise<Product> {
    return (await this.products()).find((p) => p.sku === sku)!;
  }

  async notifications(orderId: string): Promise<Notification[]> {
    const res = await fetch(
      `${this.notificationsUrl}/v1/notifications?order_id=${encodeURIComponent(orderId)}`,
    );
    return (await json<{ notifications: Notification[] }>(res, "GET /v1/notifications")).notifications;
  }

  /** Polls until the order has at least `n` notifications (bounded). */
  async awaitNotifications(orderId: string, n: number, timeoutMs = 30_000): Promise<Notification[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const list = await this.notifications(orderId);
      if (list.length >= n) return list;
      if (Date.now() > until)
        throw new Error(`order ${orderId}: ${list.length} of ${n} notifications after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
