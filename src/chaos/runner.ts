/**
 * Runs one scenario (after chaostoolkit-lib's run.py): steady state, workload and method (faults,
 * waits, expectations), heal, steady state again, invariants over the history and the system's
 * state; rollbacks in a finally, on failure and on interruption too. Observers never throw into
 * the run.
 */
import type { LoadRun, ScenarioResult, SteadyState } from "../report/journal.ts";
import { loadScenario as loadLoadScenario } from "../load/scenario.ts";
import { isK6Script, resolveK6Script, runK6Script } from "../load/k6-script.ts";
import { runLoad } from "../load/run-load.ts";
import { sleep } from "../poll.ts";
import { traceEvidence } from "../trace/evidence.ts";
import { percentiles, latency, perSecond, type History } from "./history.ts";
import { awaitSteadyState, invariantContext, judgeInvariants } from "./hypothesis.ts";
import { runMethod } from "./method.ts";
import type { Outputs, Scenario } from "./model.ts";
import { StackProbeContext } from "./probe-context.ts";
import {
  InterruptedError,
  iso,
  probeEvidence,
  RunState,
  SafeguardError,
  type RunEvent,
  type RunOptions,
} from "./run-state.ts";
import type { ChaosTarget } from "./target.ts";
import { WorkloadDriver } from "./workload.ts";

export { InterruptedError, type RunEvent, type RunOptions };

/** The traffic of a run: the workload (in this process) or a load scenario (the Go runner). */
interface Traffic {
  workload?: WorkloadDriver;
  loadRun?: Promise<LoadRun>;
  load?: LoadRun;
  workloadEnd: number;
}

/** Starts the workload and the load scenario, if the scenario has them. */
async function startTraffic(
  s: Scenario,
  target: ChaosTarget,
  ctx: StackProbeContext,
  run: RunState,
  t: Traffic,
) {
  if (s.workload) {
    t.workload = new WorkloadDriver(s.workload, ctx);
    ctx.history = t.workload;
    t.workload.start();
  }
  if (s.load) {
    t.loadRun = startLoad(s.load, target, run);
    // Reported when awaited; never an unhandled rejection meanwhile.
    t.loadRun.catch(() => undefined);
  }
}

/** The scenario's load as its workload: a load scenario of suites/load, or a k6 script run for `durationS`. */
async function startLoad(
  spec: NonNullable<Scenario["load"]>,
  target: ChaosTarget,
  run: RunState,
): Promise<LoadRun> {
  const faultWindows = () =>
    run.faults.map((f) => ({ id: f.id, label: f.label, start: f.start, end: f.end }));
  run.say(`load ${spec.scenario} for ${spec.durationS} s as the workload`, undefined);
  if (isK6Script(spec.scenario)) {
    const file = await resolveK6Script(spec.scenario);
    const r = await runK6Script(target, file, {
      duration: `${spec.durationS}s`,
      env: spec.env,
      quiet: true,
      signal: run.signal,
      faultWindows,
    });
    return r.run;
  }
  const scenario = await loadLoadScenario(spec.scenario);
  return runLoad(target, scenario, {
    profile: spec.profile,
    durationS: spec.durationS,
    signal: run.signal,
    faultWindows,
  });
}

/** Stops the traffic once the steady state is back (after the workload's tail), and waits for the load run. */
async function stopTraffic(s: Scenario, run: RunState, t: Traffic) {
  if (t.workload) {
    await sleep((s.workload!.tailS ?? 2) * 1000, run.signal);
    await t.workload.stop();
    t.workloadEnd = Date.now();
  }
  if (t.loadRun) {
    const load = await t.loadRun;
    t.load = load;
    run.say(
      `load ${load.name}: ${load.status}; recovery ${load.recoveryMs === null || load.recoveryMs === undefined ? "not reached" : `${load.recoveryMs} ms`}`,
      load.status === "passed",
    );
  }
}

/**
 * Steady state, method, steady state again, invariants: everything but the rollbacks. The
 * steady states read before and after go in `states` as soon as they are read.
 */
async function experiment(
  s: Scenario,
  target: ChaosTarget,
  ctx: StackProbeContext,
  run: RunState,
  t: Traffic,
  states: { before?: SteadyState; after?: SteadyState },
): Promise<void> {
  const signal = run.signal;
  if (s.setup) {
    const started = Date.now();
    await s.setup(ctx);
    run.step({
      name: "setup",
      kind: "action",
      startedAt: iso(started),
      status: "ok",
      detail: "data prepared",
    });
  }
  // Before: the system may still be settling from the previous scenario: give it a moment.
  const before = (await awaitSteadyState(s.steadyState, ctx, 20, signal)).state;
  states.before = before;
  if (!before.met) {
    const bad = before.probes.filter((p) => !p.ok);
    throw new SafeguardError(`steady state not met before the method: ${bad.map(probeEvidence).join("; ")}`);
  }
  await startTraffic(s, target, ctx, run, t);
  await runMethod(s.method, { run, target, ctx });
  const healedAt = Date.now();
  // The steady state is judged again with the traffic still flowing (a breaker only closes
  // on a call that succeeds); the workload stops once it holds, after its tail.
  const a = await awaitSteadyState(s.steadyState, ctx, s.recoverWithinS ?? 30, signal);
  const after = a.state;
  states.after = after;
  for (const f of run.faults)
    f.recoveryMs = a.metAt ? Math.max(0, a.metAt - Math.max(healedAt, Date.parse(f.end ?? f.start))) : null;
  for (const p of after.probes.filter((x) => !x.ok)) {
    run.failures.push({ check: p.name, evidence: `steady state after heal: ${probeEvidence(p)}` });
    run.say(`steady state after heal: ${probeEvidence(p)}`, false);
  }
  await stopTraffic(s, run, t);
  const history: History = t.workload ?? { ops: [], dropped: [] };
  await judgeInvariants(s.invariants, invariantContext(ctx, history, t.load, healedAt, signal), run);
}

/**
 * The rollbacks (chaostoolkit-lib's run_rollbacks), always: the traffic stopped, every fault
 * still in force healed (newest first), then the whole stack back to normal. A failed stack
 * restore turns a judged run into an aborted one.
 */
async function rollbacks(
  target: ChaosTarget,
  run: RunState,
  t: Traffic,
  verdict: { status: ScenarioResult["status"]; reason?: string },
): Promise<void> {
  if (t.workload && !t.workloadEnd) {
    await t.workload.abandon();
    t.workloadEnd = Date.now();
  }
  // The load runner stops with the run's signal (or at its duration): wait for it to go.
  if (t.loadRun && !t.load) await t.loadRun.catch(() => undefined);
  for (const name of [...run.active.keys()].reverse()) await run.heal(name, true).catch(() => undefined);
  const started = Date.now();
  try {
    const detail = await restoreStack(target);
    if (detail)
      run.rollbacks.push({
        fault: "stack",
        startedAt: iso(started),
        endedAt: iso(Date.now()),
        status: "ok",
        detail,
      });
  } catch (err) {
    run.rollbacks.push({
      fault: "stack",
      startedAt: iso(started),
      endedAt: iso(Date.now()),
      status: "failed",
      detail: (err as Error).message,
    });
    if (verdict.status === "completed" || verdict.status === "failed") {
      verdict.status = "aborted";
      verdict.reason = `rollback failed: ${(err as Error).message}`;
    }
  }
}

export async function runScenario(
  s: Scenario,
  target: ChaosTarget,
  opts: RunOptions,
): Promise<ScenarioResult> {
  const attempt = opts.attempt ?? 1;
  const sabotage = opts.sabotage ?? [];
  const run = new RunState(s, opts);
  run.emit({ type: "scenario", name: s.name, title: s.title, attempt, sabotage });
  const t0 = Date.now();
  const ctx = new StackProbeContext(target, opts.seed, (line) => run.say(line, undefined));
  const traffic: Traffic = { workloadEnd: 0 };
  const verdict: { status: ScenarioResult["status"]; reason?: string } = { status: "completed" };
  const states: { before?: SteadyState; after?: SteadyState } = {};
  try {
    await experiment(s, target, ctx, run, traffic, states);
    verdict.status = run.failures.length > 0 ? "failed" : "completed";
  } catch (err) {
    if (err instanceof InterruptedError || opts.signal?.aborted) {
      verdict.status = "interrupted";
      verdict.reason = "interrupted by the operator: faults rolled back";
    } else {
      verdict.status = "aborted";
      verdict.reason =
        err instanceof SafeguardError ? err.message : `harness error: ${(err as Error).message}`;
    }
  } finally {
    run.release();
    await rollbacks(target, run, traffic, verdict);
    await ctx.close();
  }
  return result(s, target, opts, run, traffic, verdict, states, t0);
}

/** The run as the journal records it (traces of failed orders as evidence, best effort). */
async function result(
  s: Scenario,
  target: ChaosTarget,
  opts: RunOptions,
  run: RunState,
  t: Traffic,
  verdict: { status: ScenarioResult["status"]; reason?: string },
  states: { before?: SteadyState; after?: SteadyState },
  t0: number,
): Promise<ScenarioResult> {
  const history = t.workload;
  const traces = await traceEvidence(target, run.steps, run.invariants).catch(() => undefined);
  const r: ScenarioResult = {
    name: s.name,
    title: s.title,
    file: s.file,
    tags: s.tags,
    catches: Object.keys(s.catches),
    sabotage: opts.sabotage ?? [],
    seed: opts.seed,
    attempt: opts.attempt ?? 1,
    status: verdict.status,
    deviated: verdict.status === "failed",
    startedAt: iso(t0),
    endedAt: iso(Date.now()),
    durationMs: Date.now() - t0,
    steadyStateBefore: states.before,
    steadyStateAfter: states.after,
    steps: run.steps,
    faults: run.faults,
    rollbacks: run.rollbacks,
    invariants: run.invariants,
    workload: history
      ? {
          description: s.workload!.description,
          invoked: history.ops.length,
          ok: history.ops.filter((o) => o.type === "ok").length,
          fail: history.ops.filter((o) => o.type === "fail").length,
          unknown: history.ops.filter((o) => o.type === "unknown").length,
          series: perSecond(history, history.startedAt, t.workloadEnd || Date.now()),
          latencyMs: percentiles(history.ops.map(latency)),
        }
      : undefined,
    load: t.load,
    failures: run.failures,
    reason: verdict.reason,
    ...(traces ? { traces } : {}),
  };
  run.emit({ type: "result", result: r });
  return r;
}

/**
 * Puts the stack back as it was: no toxic, every edge enabled, every container running. Returns
 * what it had to do ("" when nothing).
 */
export async function restoreStack(target: ChaosTarget): Promise<string> {
  const done: string[] = [];
  const edges = await target.edgeStates();
  const dirty = edges.filter((e) => !e.enabled || e.toxics.length > 0);
  if (dirty.length) {
    await target.reset();
    done.push(`reset ${dirty.map((e) => e.name).join(", ")}`);
  }
  for (const name of target.containerNames()) {
    const state = await target.containerState(name);
    if (state === "paused") {
      await target.fault(name, "unpause");
      done.push(`unpaused ${name}`);
    } else if (state !== "running") {
      await target.fault(name, "restart");
      done.push(`restarted ${name} (was ${state})`);
    }
  }
  return done.join("; ");
}

export type { Outputs };
