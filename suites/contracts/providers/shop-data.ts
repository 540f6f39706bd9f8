/**
 * Provider-state data of the shop target: reset a service's data, then seed the fact a
 * state names. Shared by the gateway and orders harnesses.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { StartedStack } from "../../../src/env/stack.ts";
import { StorefrontClient, type Order } from "../../../targets/shop/storefront/storefront-client.ts";

export interface CatalogEntry {
  sku: string;
  name: string;
  priceCents: number;
  initial: number;
}

/** The manifest's INVENTORY_SEED (sku:name:price_cents:initial,...): the catalog a reset restores. */
export function manifestCatalog(stack: StartedStack): CatalogEntry[] {
  const seed = stack.manifest.services.inventory?.env?.INVENTORY_SEED;
  if (!seed) throw new Error(`Target ${stack.manifest.name} has no INVENTORY_SEED for inventory`);
  return seed.split(",").map((entry) => {
    const [sku, name, price, initial] = entry.split(":");
    if (!sku || !name || !price || !initial)
      throw new Error(`INVENTORY_SEED entry "${entry}" is not sku:name:price:initial`);
    return { sku, name, priceCents: Number(price), initial: Number(initial) };
  });
}

/** Inventory's own database (schema: targets/shop/inventory/internal/adapters/migrations). */
export class InventoryData implements AsyncDisposable {
  protected readonly pool: pg.Pool;

  constructor(
    private readonly stack: StartedStack,
    private readonly currency = "EUR",
  ) {
    this.pool = new pg.Pool({ connectionString: stack.postgresUrl("inventory"), max: 2 });
  }

  /** Every reservation gone, every product back at its seeded stock. */
  async reset(): Promise<void> {
    const catalog = manifestCatalog(this.stack);
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      await c.query("TRUNCATE reservation_lines, reservations");
      await c.query("DELETE FROM products");
      for (const p of catalog) {
        await c.query(
          `INSERT INTO products (sku, name, price_cents, currency, initial, available, reserved)
           VALUES ($1, $2, $3, $4, $5, $5, 0)`,
          [p.sku, p.name, p.priceCents, this.currency, p.initial],
        );
      }
      await c.query("COMMIT");
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Sets a product's stock to `available` with nothing reserved (after reset()). */
  async setStock(sku: string, available: number): Promise<void> {
    const r = await this.pool.query(
      "UPDATE products SET initial = $2, available = $2, reserved = 0 WHERE sku = $1 AND reserved = 0",
      [sku, available],
    );
    if (r.rowCount !== 1)
      throw new Error(`Cannot set the stock of ${sku}: no such product without reservations`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Places an order through a gateway (the stack's own, never the provider under test) with the
 * target's own client, the storefront's, and returns it once it is confirmed or cancelled.
 */
export async function placeOrder(
  gatewayUrl: string,
  lines: { sku: string; quantity: number }[],
  customerId = "c-1",
): Promise<Order> {
  const storefront = new StorefrontClient(gatewayUrl);
  const placed = await storefront.placeOrder({ customerId, currency: "EUR", lines });
  return storefront.settledOrder(placed.id);
}

/** Runs `fn` in one transaction of `pool`. */
async function inTransaction(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await fn(c);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

/** Inventory's reservations, seeded the way Reserve leaves them (stock moved to reserved). */
export class ReservationData extends InventoryData {
  /** Reservation `id` holds `quantity` of `sku` (after reset()). */
  async reserve(id: string, sku: string, quantity: number): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      const r = await c.query(
        "UPDATE products SET available = available - $2, reserved = reserved + $2 WHERE sku = $1 AND available >= $2",
        [sku, quantity],
      );
      if (r.rowCount !== 1) throw new Error(`Cannot reserve ${quantity} of ${sku}: not enough stock`);
      await c.query("INSERT INTO reservations (id, status) VALUES ($1, 'reserved')", [id]);
      await c.query("INSERT INTO reservation_lines (reservation_id, sku, quantity) VALUES ($1, $2, $3)", [
        id,
        sku,
        quantity,
      ]);
    });
  }
}

/** Payments' own database (schema: targets/shop/payments/internal/adapters/migrations). */
export class PaymentsData implements AsyncDisposable {
  private readonly pool: pg.Pool;

  constructor(stack: StartedStack) {
    this.pool = new pg.Pool({ connectionString: stack.postgresUrl("payments"), max: 2 });
  }

  /** No payment at all. */
  async reset(): Promise<void> {
    await this.pool.query("TRUNCATE payments");
  }

  /** A captured payment `id` of `amountCents` for `orderId`, charged with the key orders uses. */
  async captured(id: string, orderId: string, amountCents: number, currency = "EUR"): Promise<void> {
    await this.pool.query(
      `INSERT INTO payments (id, charge_key, order_id, amount_cents, currency, status)
       VALUES ($1, $2, $3, $4, $5, 'captured')`,
      [id, `order-${orderId}-charge`, orderId, amountCents, currency],
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.pool.end();
  }
}

/** Orders' own database (schema: targets/shop/orders/internal/adapters/migrations). */
export class OrdersData implements AsyncDisposable {
  private readonly pool: pg.Pool;

  constructor(stack: StartedStack) {
    this.pool = new pg.Pool({ connectionString: stack.postgresUrl("orders"), max: 2 });
  }

  /** No order, no saga, no unsent event. */
  async reset(): Promise<void> {
    await this.pool.query("TRUNCATE orders, order_lines, saga_steps, outbox");
  }

  /** A confirmed order `id` of `lines` by `customerId`, its saga done. */
  async confirmed(
    id: string,
    customerId: string,
    lines: { sku: string; quantity: number; unitPriceCents: number }[],
    currency = "EUR",
  ): Promise<void> {
    const total = lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
    await inTransaction(this.pool, async (c) => {
      await c.query(
        `INSERT INTO orders (id, idempotency_key, customer_id, currency, total_cents, status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'CONFIRMED', 1, now(), now())`,
        [id, randomUUID(), customerId, currency, total],
      );
      for (const [i, l] of lines.entries()) {
        await c.query(
          "INSERT INTO order_lines (order_id, position, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4, $5)",
          [id, i, l.sku, l.quantity, l.unitPriceCents],
        );
      }
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.pool.end();
  }
}
