/**
 * `faultline bench chaos`: figures, never test assertions. The whole catalog's wall time on one
 * stack (and verify-detection's with --detection), each fault's time from the call to being in
 * force and from heal to the steady state holding again, and the breaker's fail-fast latency
 * while open against calls that wait for their deadline.
 */
import { loadManifest } from "../env/manifest.ts";
import { Environment, type StartedStack } from "../env/stack.ts";
import { percentiles } from "./history.ts";
import { StackProbeContext } from "./probe-context.ts";
import { restoreStack } from "./runner.ts";
import { runScenarios, selectScenarios, setSabotage, verifyDetection } from "./session.ts";

export interface ChaosBenchOptions {
  root: string;
  target: string;
  detection?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
async function breakerFigures(stack: StartedStack, samples: number, log: (l: string) => void) {
  if (
    !stack.manifest.sabotage?.switches["no-breaker"] ||
    !stack.manifest.edges.some((e) => e.name === "orders->payments")
  )
    return null;
  const ctx = new StackProbeContext(stack, 1);
  const body = { customer_id: "bench", currency: "EUR", lines: [{ sku: "CHAOS-1", quantity: 1 }] };
  const slow = async () =>
    stack
      .edge("orders->payments")
      .addToxic({ type: "latency", attributes: { latency: 3000 }, name: "bench_slow" });
  try {
    await ctx.sql(
      "inventory",
      `INSERT INTO products (sku, name, price_cents, currency, initial, available, reserved)
       VALUES ('CHAOS-1', 'Chaos widget', 1500, 'EUR', 1000000, 1000000, 0) ON CONFLICT (sku) DO NOTHING`,
    );
    await slow();
    // Trip the breaker with orders, then time orders while it is open.
    const deadline = Date.now() + 60_000;
    while ((await ctx.metric("orders", "shop_circuit_breaker_state", { name: "payments" })) !== 2) {
      if (Date.now() > deadline) throw new Error("the breaker to payments did not open within 60 s");
      void timedOrder(ctx, body).catch(() => undefined);
      await sleep(300);
    }
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

export async function chaosBench(o: ChaosBenchOptions) {
  const log = o.log ?? (() => {});
  const m = await loadManifest(o.target, o.root);
  const scenarios = await selectScenarios(o.root, m, { all: true });
  const t0 = Date.now();
  const stack = await new Environment(m).start();
  const stackMs = Date.now() - t0;
  try {
    const t1 = Date.now();
    const results = o.detection
      ? (await verifyDetection(scenarios, stack, { seed: o.seed ?? 1 })).results
      : await runScenarios(scenarios, stack, { seed: o.seed ?? 1 });
    const runMs = Date.now() - t1;
    const faults = results.flatMap((r) =>
      r.faults.map((f) => ({
        scenario: r.name,
        sabotage: r.sabotage.join(",") || undefined,
        fault: f.label,
        inForceMs: f.activeAt ? Date.parse(f.activeAt) - Date.parse(f.requestedAt) : null,
        healToSteadyMs: f.recoveryMs ?? null,
      })),
    );
    const inForce = faults.flatMap((f) => (f.inForceMs === null ? [] : [f.inForceMs]));
    const recovery = faults.flatMap((f) => (f.healToSteadyMs === null ? [] : [f.healToSteadyMs]));
    return {
      target: m.name,
      what: o.detection ? "verify-detection" : "catalog",
      scenarios: scenarios.length,
      runs: results.length,
      stackStartMs: stackMs,
      wallMs: runMs,
      wallWithStackMs: Date.now() - t0,
      outcomes: results.map((r) => ({
        name: r.name,
        sabotage: r.sabotage,
        status: r.status,
        durationMs: r.durationMs,
      })),
      faultInForceMs: percentiles(inForce),
      healToSteadyStateMs: percentiles(recovery),
      faults,
      breaker: await breakerFigures(stack, 40, log),
    };
  } finally {
    await stack.stop();
  }
}
