/**
 * The storefront: a small client of the shop gateway's public REST API, the way a web shop's
 * backend-for-frontend uses it. It is the consumer of the `storefront` -> `gateway` pact
 * (suites/contracts/storefront-gateway.consumer.test.ts): only the fields read here are in
 * the contract.
 */
import { randomUUID } from "node:crypto";

export type OrderStatus = "pending" | "confirmed" | "cancelled";

/** An order as the storefront shows it. */
export interface Order {
  id: string;
  status: OrderStatus;
  totalCents: number;
  currency: string;
  lines: { sku: string; quantity: number }[];
  /** Empty unless the order was cancelled. */
  cancellationReason: string;
}

/** A product page: name, price and whether it can be bought. */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  available: number;
}

export interface OrderRequest {
  customerId: string;
  currency: string;
  lines: { sku: string; quantity: number }[];
}

/** The gateway answered with an error body `{"error":{"code","message"}}`. */
export class ShopApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ShopApiError";
  }
}

/** 404: the order or product does not exist. */
export class NotFoundError extends ShopApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = "NotFoundError";
  }
}

/** 429: the gateway's rate limit is used up; try again after `retryAfterSeconds`. */
export class RateLimitedError extends ShopApiError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, code, message);
    this.name = "RateLimitedError";
  }
}

interface OrderJson {
  id: string;
  status: OrderStatus;
  total_cents: number;
  currency: string;
  lines: { sku: string; quantity: number }[];
  cancellation_reason: string;
}

interface ProductJson {
  sku: string;
  name: string;
  price_cents: number;
  currency: string;
  available: number;
}

export interface StorefrontClientOptions {
  /** Makes the Idempotency-Key of a placement (a fresh UUID by default). */
  idempotencyKey?: () => string;
  fetch?: typeof fetch;
}

export class StorefrontClient {
  private readonly newKey: () => string;
  private readonly fetch: typeof fetch;

  constructor(
    readonly baseUrl: string,
    opts: StorefrontClientOptions = {},
  ) {
    this.newKey = opts.idempotencyKey ?? randomUUID;
    this.fetch = opts.fetch ?? fetch;
  }

  /**
   * Places an order. The gateway answers 201 once the order is confirmed or cancelled and
   * 202 while it is still pending; both carry the order.
   */
  async placeOrder(req: OrderRequest, opts: { idempotencyKey?: string } = {}): Promise<Order> {
    const res = await this.fetch(`${this.baseUrl}/v1/orders`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "Idempotency-Key": opts.idempotencyKey ?? this.newKey(),
      },
      body: JSON.stringify({
        customer_id: req.customerId,
        currency: req.currency,
        lines: req.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      }),
    });
    if (res.status !== 201 && res.status !== 202) throw await apiError(res);
    return toOrder((await res.json()) as OrderJson);
  }

  async order(id: string): Promise<Order> {
    const res = await this.fetch(`${this.baseUrl}/v1/orders/${encodeURIComponent(id)}`, {
      headers: { Accept: "application/json" },
    });
    if (res.status !== 200) throw await apiError(res);
    return toOrder((await res.json()) as OrderJson);
  }

  /**
   * The order once it is confirmed or cancelled: asks again every `intervalMs` while it is
   * pending, and throws when it still is after `timeoutMs`.
   */
  async settledOrder(id: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Order> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await this.order(id);
      if (order.status !== "pending") return order;
      if (Date.now() > deadline) throw new Error(`Order ${id} still pending after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 100));
    }
  }

  async product(sku: string): Promise<Product> {
    const res = await this.fetch(`${this.baseUrl}/v1/products/${encodeURIComponent(sku)}`, {
      headers: { Accept: "application/json" },
    });
    if (res.status !== 200) throw await apiError(res);
    const p = (await res.json()) as ProductJson;
    return {
      sku: p.sku,
      name: p.name,
      priceCents: p.price_cents,
      currency: p.currency,
      available: p.available,
    };
  }
}

function toOrder(o: OrderJson): Order {
  return {
    id: o.id,
    status: o.status,
    totalCents: o.total_cents,
    currency: o.currency,
    lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    cancellationReason: o.cancellation_reason,
  };
}

async function apiError(res: Response): Promise<ShopApiError> {
  const text = await res.text();
  let code = "unknown";
  let message = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    message = `HTTP ${res.status}: ${text.slice(0, 200)}`;
  }
  if (res.status === 404) return new NotFoundError(code, message);
  if (res.status === 429) {
    const retryAfter = Number(res.headers.get("Retry-After") ?? "1");
    return new RateLimitedError(code, message, Number.isFinite(retryAfter) ? retryAfter : 1);
  }
  return new ShopApiError(res.status, code, message);
}
