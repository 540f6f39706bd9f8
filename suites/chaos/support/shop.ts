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
import { checkSet, latency, type Op } from "../../../src/chaos/history.ts";
import { durationMs } from "../../../src/env/manifest.ts";
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
  stockBefore.set(ctx.target, await stockFigures(ctx));
}

/** The chaos SKU's stock and the quantity its orders hold, by order status. */
interface StockFigures {
  initial: number;
  available: number;
  reserved: number;
  confirmed: number;
  pending: number;
}

/** Figures at the scenario's setup, by stack: the stock invariant judges what changed since. */
const stockBefore = new WeakMap<object, StockFigures>();

async function stockFigures(ctx: ProbeContext): Promise<StockFigures> {
  const [p] = await ctx.sql<{ initial: number; available: number; reserved: number }>(
    "inventory",
    "SELECT initial, available, reserved FROM products WHERE sku = $1",
    [SKU],
  );
  const q = await ctx.sql<{ status: string; quantity: string }>(
    "orders",
    "SELECT o.status, COALESCE(sum(l.quantity), 0) AS quantity FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku = $1 GROUP BY o.status",
    [SKU],
  );
  const of = (status: string) => Number(q.find((r) => r.status === status)?.quantity ?? 0);
  return {
    initial: Number(p?.initial ?? 0),
    available: Number(p?.available ?? 0),
    reserved: Number(p?.reserved ?? 0),
    confirmed: of("CONFIRMED"),
    pending: of("PENDING"),
  };
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

/**
 * Orders and product reads through the gateway: of every four operations three place an order
 * (as placeOrders) and one lists the products, so both of the gateway's dependencies carry traffic.
 */
export function placeOrdersAndReadProducts(opts: { rate: number; timeoutMs?: number }): Workload {
  const orders = placeOrders({ rate: opts.rate, timeoutMs: opts.timeoutMs });
  const reads = readProducts(opts.rate);
  return {
    ...orders,
    description: `${orders.description}; every fourth operation GET /v1/products instead`,
    op: (ctx, o) => (o.i % 4 === 3 ? reads.op(ctx, o) : orders.op(ctx, o)),
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

/**
 * The entry point reaches orders (an unknown order is 404, from orders itself): each service's
 * own readiness does not say that the gateway's connection to orders is back after a fault
 * (a gRPC client reconnects with backoff).
 */
export const gatewayReachesOrders: Probe = {
  kind: "http",
  name: "the gateway reaches orders",
  service: "gateway",
  path: "/v1/orders/steady-state-probe",
  tolerance: at("$.status", eq(404)),
};

/** The shop serves: every service ready, the gateway reaches orders, orders' breakers closed. */
export const shopSteadyState: Probe[] = [
  ready("gateway"),
  ready("orders"),
  ready("payments"),
  ready("inventory"),
  ready("notifications"),
  gatewayReachesOrders,
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

export const STOCK_VS_ORDERS = "stock balances against the orders";

/**
 * Stock balanced against the orders, for the chaos SKU, over what changed since the scenario's
 * setup (a verdict must not depend on what ran before it: an earlier run's damage stays in the
 * shared SKU's figures, its changes do not). The shop keeps a confirmed order's reservation as
 * its sale (there is no separate commit of a reservation), so "initial - available - reserved =
 * quantity in confirmed orders, reserved = quantity held by pending orders" reads here: the stock
 * taken (initial - available) and the stock reserved each changed by exactly the quantity of the
 * orders confirmed (plus those still pending), and by nothing for a cancelled one.
 */
export function stockBalanced(withinS = 45): Invariant {
  return {
    name: STOCK_VS_ORDERS,
    description: `For ${SKU}, since the scenario's setup: the change of initial - available and the change of reserved each equal the change of the quantity in confirmed and pending orders (a cancelled order holds nothing), within ${withinS} s after heal.`,
    check: (ctx) =>
      ctx.settle(
        async (): Promise<InvariantOutcome> => {
          const before = stockBefore.get(ctx.target);
          if (!before)
            return { status: "unknown", detail: "no stock figures from the scenario's setup (seedStock)" };
          const now = await stockFigures(ctx);
          const taken = now.initial - now.available - (before.initial - before.available);
          const reserved = now.reserved - before.reserved;
          const held = now.confirmed + now.pending - (before.confirmed + before.pending);
          const values = {
            before,
            now,
            stockTaken: taken,
            stockReserved: reserved,
            orderedQuantity: held,
          };
          if (taken === held && reserved === held)
            return {
              status: "held",
              detail: `${SKU}: ${held} unit(s) ordered (confirmed or pending) since setup, ${taken} taken from stock and ${reserved} reserved`,
              values,
            };
          return {
            status: "violated",
            detail: `${SKU}: orders confirmed or pending since setup hold ${held} unit(s), but the stock taken changed by ${taken} and the stock reserved by ${reserved} (initial ${now.initial}, available ${before.available} -> ${now.available}, reserved ${before.reserved} -> ${now.reserved})`,
            ids: [SKU],
            values,
          };
        },
        { withinS },
      ),
  };
}

export const ENTRY_POINT = "the entry point answers within its own deadline";

/**
 * The gateway's own deadline for each of its dependencies (the manifest's `deadline` of
 * gateway->orders and gateway->inventory) bounds how long a client waits, whatever hangs behind
 * it: every operation ends (an answer: success, an explicit error, or 202 with an order that can
 * be polled) within that deadline plus MARGIN_MS. The margin covers what comes after the
 * gateway's deadline fires: its handler writing the answer, Docker's port proxy and this host's
 * fetch, on a machine shared by several runs; it is far below the minutes a gateway that does not
 * bound its wait holds a client. An operation that fails at once without an answer (connection
 * refused while the gateway restarts) is not a wait, and is within the bound.
 */
export const MARGIN_MS = 1500;
const BOUNDED_BY: Record<string, string> = {
  create_order: "gateway->orders",
  list_products: "gateway->inventory",
};

export function entryPointAnswers(): Invariant {
  return {
    name: ENTRY_POINT,
    description: `Every operation through the gateway ends within the gateway's own deadline for the dependency it needs (manifest: ${Object.values(BOUNDED_BY).join(", ")}) plus ${MARGIN_MS} ms, and every 202 names an order GET /v1/orders/{id} answers.`,
    check: async (ctx) => {
      const deadlines = new Map(
        ctx.target.manifest.edges
          .filter((e) => e.dependency.deadline)
          .map((e) => [e.name, durationMs(e.dependency.deadline!)] as const),
      );
      const late: string[] = [];
      let worst = { ms: 0, bound: 0, name: "" };
      // An operation the workload abandoned (no answer within its own timeout) has lost its
      // name: it is bounded by the longest of the gateway's deadlines.
      const longest = Math.max(...Object.values(BOUNDED_BY).map((e) => deadlines.get(e) ?? 0), 0);
      for (const op of ctx.history.ops) {
        const edge = BOUNDED_BY[op.name];
        const abandoned = !edge && op.type === "unknown" && (op.error ?? "").startsWith("abandoned");
        const deadline = edge ? deadlines.get(edge) : abandoned && longest > 0 ? longest : undefined;
        if (deadline === undefined) continue;
        const ms = latency(op);
        if (!worst.name || ms - deadline > worst.ms - worst.bound)
          worst = { ms, bound: deadline, name: op.name };
        if (ms > deadline + MARGIN_MS)
          late.push(
            `${op.name} #${op.index} ${String(op.value.key ?? "")}: ${ms} ms (${op.type}${op.error ? `: ${op.error.slice(0, 80)}` : ""})`,
          );
      }
      const accepted = ctx.history.ops.filter((o) => o.name === "create_order" && o.value.code === 202);
      const unpollable: string[] = [];
      for (const op of accepted.slice(0, 50)) {
        const id = String(op.value.orderId ?? "");
        const a = id
          ? await ctx.http("gateway", `/v1/orders/${encodeURIComponent(id)}`).catch(() => undefined)
          : undefined;
        if (a?.status !== 200) unpollable.push(`${id || "(no id)"}: ${a ? `HTTP ${a.status}` : "no answer"}`);
      }
      const values = {
        operations: ctx.history.ops.length,
        late: late.length,
        accepted202: accepted.length,
        unpollable: unpollable.length,
        worstMs: worst.ms,
        worstBoundMs: worst.bound,
        marginMs: MARGIN_MS,
      };
      if (late.length)
        return {
          status: "violated",
          final: true,
          detail: `${late.length} operation(s) waited beyond the gateway's deadline + ${MARGIN_MS} ms (e.g. ${late[0]})`,
          ids: late,
          values,
        };
      if (unpollable.length)
        return {
          status: "violated",
          detail: `${unpollable.length} 202 answer(s) name an order the gateway cannot show (e.g. ${unpollable[0]})`,
          ids: unpollable,
          values,
        };
      return {
        status: "held",
        detail: `${ctx.history.ops.length} operations answered in time (slowest ${worst.ms} ms against a deadline of ${worst.bound} ms + ${MARGIN_MS} ms); ${accepted.length} 202 answer(s), each pollable`,
        values,
      };
    },
  };
}

/** The invariants every order-placing scenario is judged on. */
export const shopInvariants = (withinS = 45): Invariant[] => [
  ordersTerminal(withinS),
  stockReleased(),
  stockBalanced(withinS),
  moneyBalanced(),
  eventsOnce(withinS),
  entryPointAnswers(),
];

/**
 * A scenario of the order flow: the chaos product seeded, the shop's steady state, orders placed
 * through the gateway as the workload, and the shop's invariants judged after heal.
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
