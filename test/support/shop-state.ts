/**
 * What the harness's own tests read of the shop's state to check an order's effects: the stock
 * ledger (available, reserved, initial) from the gateway's product list and the notifications
 * service's records. Orders themselves go through the target's own client, the storefront's
 * (targets/shop/storefront/storefront-client.ts).
 */

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

export class ShopState {
  constructor(
    readonly gatewayUrl: string,
    readonly notificationsUrl: string,
  ) {}

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
