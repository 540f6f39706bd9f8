/**
 * The shop's side of the chaos catalog: its workload (orders placed through the gateway, each with
 * its own idempotency key), the data it prepares, its steady state, and its invariants (DESIGN.md,
 * "The shop's invariants"), judged on the workload's history and the services' own databases.
 */
import type {
  Invariant,
  InvariantContext,
  InvariantOutcome,
  Probe,
  ScenarioDefinition,
  Workload,
} from "../../../src/chaos/model.ts";
import type { ProbeContext } from "../../../src/chaos/probe-context.ts";
import { checkSet, type Op } from "../../../src/chaos/history.ts";
import { at, eq } from "../../../src/chaos/tolerance.ts";

/** The product the chaos workload buys: its own, so other suites' data does not matter. */
export const SKU = "CHAOS-1";
export const PRICE_CENTS = 1500;
export const INITIAL_STOCK = 1_000_000;

/** Seeds the chaos product (idempotent: an existing one keeps its stock, which the invariants account for). */
export async function seedStock(ctx: ProbeContext): Promise<void> {
  await ctx.sql(
    "inventory",
    `INSERT INTO products (sku, name, price_cents, currency, initial, available, reserved)
     VALUES ($1, 'Chaos widget', $2, 'EUR', $3, $3, 0) ON CONFLICT (sku) DO NOTHING`,
    [SKU, PRICE_CENTS, INITIAL_STOCK],
  );
}

/**
 * Orders through the gateway at `rate` per second. ok: the gateway accepted it (201/202);
 * fail: it surely did not (4xx, 429); unknown: 5xx, timeout or reset (it may exist).
 */
export function placeOrders(
  opts: { rate: number; quantity?: number; timeoutMs?: number; tailS?: number; maxInFlight?: number } = {
    rate: 5,
  },
): Workload {
  const quantity = opts.quantity ?? 1;
  return {
    description: `POST /v1/orders through the gateway at ${opts.rate}/s, ${quantity} × ${SKU} each, a unique idempotency key per order`,
    rate: opts.rate,
    timeoutMs: opts.timeoutMs ?? 12_000,
    tailS: opts.tailS,
    maxInFlight: opts.maxInFlight,
    op: async (ctx, { i, run, signal }) => {
      const key = `chaos-${run}-${i}`;
      try {
        const res = await fetch(`${ctx.target.url("gateway")}/v1/orders`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify({
            customer_id: `chaos-${run}`,
            currency: "EUR",
            lines: [{ sku: SKU, quantity }],
          }),
          signal,
        });
        const text = await res.text();
        let body: { id?: string; status?: string } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          // not JSON: the code says enough
        }
        const value = { key, code: res.status, orderId: body.id, status: body.status };
        if (res.status === 201 || res.status === 202) return { name: "create_order", type: "ok", value };
        if (res.status >= 400 && res.status < 500)
          return {
            name: "create_order",
            type: "fail",
            error: `HTTP ${res.status}: ${text.slice(0, 200)}`,
            value,
          };
        return {
          name: "create_order",
          type: "unknown",
          error: `HTTP ${res.status}: ${text.slice(0, 200)}`,
          value,
        };
      } catch (err) {
        return {
          name: "create_order",
          type: "unknown",
          error: (err as Error).message,
          value: { key, code: "no answer" },
        };
      }
    },
  };
}

/** Cheap reads (GET /v1/products) at `rate` per second: for traffic spikes. */
export function readProducts(rate: number): Workload {
  return {
    description: `GET /v1/products through the gateway at ${rate}/s`,
    rate,
    maxInFlight: 256,
    timeoutMs: 5000,
    tailS: 0,
    op: async (ctx, { signal }) => {
      try {
        const res = await fetch(`${ctx.target.url("gateway")}/v1/products`, { signal });
        await res.arrayBuffer();
        const value = { code: res.status, retryAfter: res.headers.get("retry-after") };
        if (res.status === 200) return { name: "list_products", type: "ok", value };
        if (res.status < 500)
          return { name: "list_products", type: "fail", error: `HTTP ${res.status}`, value };
        return { name: "list_products", type: "unknown", error: `HTTP ${res.status}`, value };
      } catch (err) {
        return {
          name: "list_products",
          type: "unknown",
          error: (err as Error).message,
          value: { code: "no answer" },
        };
      }
    },
  };
}

// ---- steady state ------------------------------------------------------------------------------

export const ready = (service: string): Probe => ({
  kind: "http",
  name: `${service} is ready`,
  service,
  path: "/readyz",
  tolerance: at("$.status", eq(200)),
});

export const breakerClosed = (dependency: "payments" | "inventory"): Probe => ({
  kind: "metric",
  name: `orders' breaker to ${dependency} is closed`,
  service: "orders",
  metric: "shop_circuit_breaker_state",
  labels: { name: dependency },
  tolerance: eq(0),
});

/** The shop serves: every service ready, orders' breakers closed. */
export const shopSteadyState: Probe[] = [
  ready("gateway"),
  ready("orders"),
  ready("payments"),
  ready("inventory"),
  ready("notifications"),
  breakerClosed("payments"),
  breakerClosed("inventory"),
];

// ---- invariants --------------------------------------------------------------------------------

interface OrderRow extends Record<string, unknown> {
  id: string;
  idempotency_key: string;
  status: string;
  total_cents: string;
}

const creates = (ctx: InvariantContext): Op[] => ctx.history.ops.filter((o) => o.name === "create_order");

/** The orders the history created: acknowledged ones, and unknown ones the database shows exist. */
async function ordersOf(ctx: InvariantContext): Promise<{
  rows: OrderRow[];
  lost: string[];
  unexpected: string[];
  recovered: number;
  unrecovered: number;
}> {
  const ops = creates(ctx).filter((o) => o.type !== "fail" || o.value.code !== 429);
  const keys = ops.map((o) => String(o.value.key));
  const rows = keys.length
    ? await ctx.sql<OrderRow>(
        "orders",
        "SELECT id, idempotency_key, status, total_cents FROM orders WHERE idempotency_key = ANY($1)",
        [keys],
      )
    : [];
  const set = checkSet(ops, (o) => String(o.value.key), new Set(rows.map((r) => r.idempotency_key)));
  return {
    rows,
    lost: set.lost,
    unexpected: set.unexpected,
    recovered: set.recovered.length,
    unrecovered: set.unrecovered.length,
  };
}

export const TERMINAL = "every accepted order reaches a terminal state";

/** Every order the gateway accepted (or that exists after an unknown outcome) is confirmed or cancelled within `withinS`. */
export function ordersTerminal(withinS = 45): Invariant {
  return {
    name: TERMINAL,
    description: `Every order the gateway accepted exists and is CONFIRMED or CANCELLED within ${withinS} s after heal; orders whose outcome was unknown are looked up by idempotency key, never assumed.`,
    check: (ctx) =>
      ctx.settle(
        async (): Promise<InvariantOutcome> => {
          const o = await ordersOf(ctx);
          const pending = o.rows.filter((r) => r.status === "PENDING").map((r) => r.id);
          const values = {
            orders: o.rows.length,
            confirmed: o.rows.filter((r) => r.status === "CONFIRMED").length,
            cancelled: o.rows.filter((r) => r.status === "CANCELLED").length,
            pending: pending.length,
            unknownOutcomesThatExist: o.recovered,
            unknownOutcomesThatDoNot: o.unrecovered,
          };
          if (o.lost.length)
            return {
              status: "violated",
              detail: `${o.lost.length} acknowledged order(s) do not exist (idempotency keys)`,
              ids: o.lost,
              values,
            };
          if (o.unexpected.length)
            return {
              status: "violated",
              detail: `${o.unexpected.length} order(s) exist although the gateway refused them`,
              ids: o.unexpected,
              values,
            };
          if (pending.length)
            return {
              status: "violated",
              detail: `${pending.length} of ${o.rows.length} order(s) still PENDING ${withinS} s after heal`,
              ids: pending,
              values,
            };
          return {
            status: "held",
            detail: `${o.rows.length} orders: ${values.confirmed} confirmed, ${values.cancelled} cancelled (${o.recovered} of them after an unknown outcome)`,
            values,
          };
        },
        { withinS },
      ),
  };
}

export const NO_STOCK_HELD = "a cancelled order holds no stock";

export function stockReleased(): Invariant {
  return {
    name: NO_STOCK_HELD,
    description:
      "A cancelled order holds no reservation; a confirmed one holds its reservation; available + reserved = initial for every product.",
    check: async (ctx) => {
      const { rows } = await ordersOf(ctx);
      const cancelled = rows.filter((r) => r.status === "CANCELLED").map((r) => r.id);
      const confirmed = rows.filter((r) => r.status === "CONFIRMED").map((r) => r.id);
      const held = cancelled.length
        ? await ctx.sql<{ id: string }>(
            "inventory",
            "SELECT id FROM reservations WHERE status = 'reserved' AND id = ANY($1)",
            [cancelled],
          )
        : [];
      const withRes = confirmed.length
        ? await ctx.sql<{ id: string }>(
            "inventory",
            "SELECT id FROM reservations WHERE status = 'reserved' AND id = ANY($1)",
            [confirmed],
          )
        : [];
      const missing = confirmed.filter((id) => !withRes.some((r) => r.id === id));
      const unbalanced = await ctx.sql<{ sku: string }>(
        "inventory",
        "SELECT sku FROM products WHERE available + reserved <> initial",
      );
      const values = {
        cancelled: cancelled.length,
        cancelledHoldingStock: held.length,
        confirmedWithoutReservation: missing.length,
      };
      if (held.length)
        return {
          status: "violated",
          final: true,
          detail: `${held.length} cancelled order(s) still hold their reservation`,
          ids: held.map((r) => r.id),
          values,
        };
      if (missing.length)
        return {
          status: "violated",
          detail: `${missing.length} confirmed order(s) hold no reservation`,
          ids: missing,
          values,
        };
      if (unbalanced.length)
        return {
          status: "violated",
          detail: `available + reserved ≠ initial for ${unbalanced.map((r) => r.sku).join(", ")}`,
          ids: unbalanced.map((r) => r.sku),
          values,
        };
      return {
        status: "held",
        detail: `${cancelled.length} cancelled orders hold no stock; ${confirmed.length} confirmed orders hold theirs`,
        values,
      };
    },
  };
}

export const MONEY = "captured - refunded = total if confirmed, 0 if cancelled";

export function moneyBalanced(): Invariant {
  return {
    name: MONEY,
    description:
      "Per order: the amount captured and not refunded equals the order total when confirmed, and 0 when cancelled.",
    check: async (ctx) => {
      const { rows } = await ordersOf(ctx);
      const ids = rows.map((r) => r.id);
      const pays = ids.length
        ? await ctx.sql<{ order_id: string; amount_cents: string; status: string }>(
            "payments",
            "SELECT order_id, amount_cents, status FROM payments WHERE order_id = ANY($1)",
            [ids],
          )
        : [];
      const net = new Map<string, number>();
      for (const p of pays)
        if (p.status === "captured") net.set(p.order_id, (net.get(p.order_id) ?? 0) + Number(p.amount_cents));
      const bad: string[] = [];
      for (const r of rows) {
        const want =
          r.status === "CONFIRMED" ? Number(r.total_cents) : r.status === "CANCELLED" ? 0 : undefined;
        if (want !== undefined && (net.get(r.id) ?? 0) !== want) bad.push(r.id);
      }
      const values = {
        orders: rows.length,
        payments: pays.length,
        refunded: pays.filter((p) => p.status === "refunded").length,
      };
      if (bad.length) {
        const first = rows.find((r) => r.id === bad[0])!;
        return {
          status: "violated",
          detail: `${bad.length} order(s) with money out of balance (e.g. ${first.id}: ${first.status}, total ${first.total_cents}, captured net ${net.get(first.id) ?? 0})`,
          ids: bad,
          values,
        };
      }
      return {
        status: "held",
        detail: `${rows.length} orders balanced (${values.refunded} refunds)`,
        values,
      };
    },
  };
}

export const EVENTS_ONCE = "every order event reaches notifications exactly once";

/**
 * Every order's events (created, then confirmed or cancelled) reach Kafka and notifications
 * handles each exactly once, within `withinS` after heal.
 */
export function eventsOnce(withinS = 45): Invariant {
  return {
    name: EVENTS_ONCE,
    description: `Every order's order.created and its final event reach notifications within ${withinS} s after heal, each handled exactly once (no event ID twice).`,
    check: (ctx) =>
      ctx.settle(
        async (): Promise<InvariantOutcome> => {
          const { rows } = await ordersOf(ctx);
          const terminal = rows.filter((r) => r.status !== "PENDING");
          const ids = terminal.map((r) => r.id);
          const got = ids.length
            ? await ctx.sql<{ order_id: string; event_id: string; event_type: string; n: string }>(
                "notifications",
                "SELECT order_id, event_id, event_type, count(*) AS n FROM notifications WHERE order_id = ANY($1) GROUP BY order_id, event_id, event_type",
                [ids],
              )
            : [];
          const dup = got.filter((g) => Number(g.n) > 1);
          const missing: string[] = [];
          for (const r of terminal) {
            const types = new Set(got.filter((g) => g.order_id === r.id).map((g) => g.event_type));
            const final = r.status === "CONFIRMED" ? "order.confirmed" : "order.cancelled";
            if (!types.has("order.created") || !types.has(final)) missing.push(r.id);
          }
          const values = {
            orders: terminal.length,
            eventsHandled: got.length,
            duplicated: dup.length,
            ordersMissingEvents: missing.length,
          };
          if (dup.length)
            return {
              status: "violated",
              detail: `${dup.length} event(s) handled more than once (e.g. ${dup[0]!.event_type} of order ${dup[0]!.order_id}, ${dup[0]!.n} times)`,
              ids: dup.map((d) => d.event_id),
              values,
              final: true,
            };
          if (missing.length)
            return {
              status: "violated",
              detail: `${missing.length} of ${terminal.length} order(s) miss an event in notifications ${withinS} s after heal`,
              ids: missing,
              values,
            };
          return {
            status: "held",
            detail: `${got.length} events of ${terminal.length} orders, each handled once`,
            values,
          };
        },
        { withinS },
      ),
  };
}

/** The four invariants every order-placing scenario is judged on. */
export const shopInvariants = (withinS = 45): Invariant[] => [
  ordersTerminal(withinS),
  stockReleased(),
  moneyBalanced(),
  eventsOnce(withinS),
];

/**
 * A scenario of the order flow: the chaos product seeded, the shop's steady state, orders placed
 * through the gateway as the workload, and the shop's four invariants judged after heal.
 */
export function orderScenario(
  def: Omit<ScenarioDefinition, "setup" | "steadyState" | "workload" | "invariants"> & {
    orders: { rate: number; quantity?: number; timeoutMs?: number };
    /** How long after heal orders and events may take to settle (default 45 s). */
    settleS?: number;
  },
): ScenarioDefinition {
  const { orders, settleS, ...rest } = def;
  return {
    ...rest,
    setup: seedStock,
    steadyState: shopSteadyState,
    workload: placeOrders(orders),
    invariants: shopInvariants(settleS),
  };
}
