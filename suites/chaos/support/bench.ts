/**
 * The shop's own chaos figures for `faultline bench chaos`: order placement while orders'
 * breaker to payments is open, against calls that wait for their deadline (no-breaker switch).
 */
import { percentiles } from "../../../src/chaos/history.ts";
import { StackProbeContext } from "../../../src/chaos/probe-context.ts";
import { restoreStack } from "../../../src/chaos/runner.ts";
import { setSabotage } from "../../../src/chaos/session.ts";
import type { StartedStack } from "../../../src/env/stack.ts";
import { pollUntil } from "../../../src/poll.ts";
import { seedStock, SKU } from "./shop.ts";

/** POSTs an order and times it end to end (gateway -> orders saga -> answer). */
async function timedOrder(
  ctx: StackProbeContext,
  body: unknown,
): Promise<{ ms: number; code: number; status?: string }> {
  const t = Date.now();
  const a = await ctx.http("gateway", "/v1/orders", { method: "POST", body, timeoutMs: 30_000 });
  return { ms: Date.now() - t, code: a.status, status: (a.body as { status?: string }).status };
}

/**
 * With payments slower than orders' deadline: order placement while the breaker is open, and
 * (no-breaker switch on) while every charge attempt waits for its deadline. Needs the target's
 * breaker metric and its no-breaker switch; skipped (null) when either is missing.
 */
export async function figures(stack: StartedStack, log: (l: string) => void, samples = 40) {
  if (
    !stack.manifest.sabotage?.switches["no-breaker"] ||
    !stack.manifest.edges.some((e) => e.name === "orders->payments")
  )
    return null;
  const ctx = new StackProbeContext(stack, 1);
  const body = { customer_id: "bench", currency: "EUR", lines: [{ sku: SKU, quantity: 1 }] };
  const slow = async () =>
    stack
      .edge("orders->payments")
      .addToxic({ type: "latency", attributes: { latency: 3000 }, name: "bench_slow" });
  try {
    await seedStock(ctx);
    await slow();
    // Trip the breaker with orders, then time orders while it is open.
    const opened = await pollUntil(
      async () => {
        const open = (await ctx.metric("orders", "shop_circuit_breaker_state", { name: "payments" })) === 2;
        if (!open) void timedOrder(ctx, body).catch(() => undefined);
        return open;
      },
      (open) => open,
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    if (!opened.done) throw new Error("the breaker to payments did not open within 60 s");
    const open: number[] = [];
    for (let i = 0; i < samples; i++) {
      if ((await ctx.metric("orders", "shop_circuit_breaker_state", { name: "payments" })) !== 2) break;
      open.push((await timedOrder(ctx, body)).ms);
    }
    log(`bench: ${open.length} orders timed with the breaker open`);
    await restoreStack(stack);
    await setSabotage(stack, "no-breaker");
    await slow();
    const waiting = (await Promise.all(Array.from({ length: 5 }, () => timedOrder(ctx, body)))).map(
      (r) => r.ms,
    );
    log(`bench: 5 orders timed with no breaker (each charge attempt waits for its 2 s deadline)`);
    return {
      method:
        "POST /v1/orders end to end while orders->payments has 3000 ms of latency (orders' deadline per payment call: 2000 ms); open: the breaker refuses each attempt at once (the saga's 5 attempts and backoff remain); waiting: the no-breaker switch, each attempt waits for its deadline (the gateway answers 202 pending at its own 10 s deadline)",
      breakerOpenMs: percentiles(open),
      waitingForDeadlineMs: percentiles(waiting),
    };
  } finally {
    await setSabotage(stack, undefined, "no-breaker").catch(() => undefined);
    await restoreStack(stack).catch(() => undefined);
    await ctx.close();
  }
}
