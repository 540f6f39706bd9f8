/**
 * `faultline bench chaos`: figures, never test assertions. The whole catalog's wall time on one
 * stack (and verify-detection's with --detection), each fault's time from the call to being in
 * force and from heal to the steady state holding again, and the figures the target's own
 * suites/chaos/support/bench.ts adds (e.g. a breaker's fail-fast latency while open against
 * calls that wait for their deadline).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadManifest } from "../env/manifest.ts";
import { Environment, type StartedStack } from "../env/stack.ts";
import { percentiles } from "./history.ts";
import { runScenarios, selectScenarios, verifyDetection } from "./session.ts";

export interface ChaosBenchOptions {
  root: string;
  target: string;
  detection?: boolean;
  seed?: number;
  log?: (line: string) => void;
}

/** Figures a target adds of its own: `suites/chaos/support/bench.ts` exporting `figures(stack, log)`. */
async function targetFigures(root: string, stack: StartedStack, log: (l: string) => void): Promise<unknown> {
  const file = path.join(root, "suites", "chaos", "support", "bench.ts");
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as {
    figures?: (stack: StartedStack, log: (l: string) => void) => Promise<unknown>;
  };
  return mod.figures ? mod.figures(stack, log) : undefined;
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
      target_figures: await targetFigures(o.root, stack, log),
    };
  } finally {
    await stack.stop();
  }
}
