/**
 * Runs one scenario (after chaostoolkit-lib's run.py): steady state, workload and method (faults,
 * waits, expectations), heal, steady state again, invariants over the history and the system's
 * state; rollbacks in a finally, on failure and on interruption too. Observers never throw into
 * the run.
 */
import type {
  FaultRecord,
  InvariantResult,
  ProbeResult,
  Rollback,
  ScenarioResult,
  SteadyState,
  StepResult,
} from "../report/journal.ts";
import { FaultError, inject, type ActiveFault } from "./faults.ts";
import { percentiles, latency, perSecond, type History } from "./history.ts";
import type { InvariantContext, InvariantOutcome, Outputs, Probe, Scenario, Step } from "./model.ts";
import { StackProbeContext } from "./probe-context.ts";
import { probeTarget, runProbe } from "./probes.ts";
import type { ChaosTarget } from "./target.ts";
import { WorkloadDriver } from "./workload.ts";
import type { LoadRun } from "../report/journal.ts";
import { loadScenario as loadLoadScenario } from "../load/scenario.ts";
import { runLoad } from "../load/run-load.ts";
import { pollUntil, sleep } from "../poll.ts";
import { traceEvidence } from "../trace/evidence.ts";

export type RunEvent =
  | { type: "scenario"; name: string; title: string; attempt: number; sabotage: string[] }
  | { type: "step"; name: string; text: string; ok: boolean | undefined }
  | { type: "result"; result: ScenarioResult };

export interface RunOptions {
  seed: number;
  sabotage?: string[];
  attempt?: number;
  /** Aborting it interrupts the run: the method stops, rollbacks run, status interrupted. */
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

export class InterruptedError extends Error {
  constructor() {
    super("interrupted by the operator");
    this.name = "InterruptedError";
  }
}
class SafeguardError extends Error {}

const iso = (t: number) => new Date(t).toISOString();

async function steadyState(probes: Probe[], ctx: StackProbeContext): Promise<SteadyState> {
  const results: ProbeResult[] = [];
  for (const p of probes) results.push(await runProbe(p, ctx));
  return { met: results.every((r) => r.ok), probes: results };
}

/** Polls the steady state until it is met or `withinS` passes; returns the last reading. */
async function awaitSteadyState(
  probes: Probe[],
  ctx: StackProbeContext,
  withinS: number,
  signal: AbortSignal,
): Promise<{ state: SteadyState; metAt?: number }> {
  const r = await pollUntil(
    () => steadyState(probes, ctx),
    (state) => state.met,
    { timeoutMs: withinS * 1000, intervalMs: 500, signal },
  );
  return r.done ? { state: r.value, metAt: r.at } : { state: r.value };
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

function probeEvidence(r: ProbeResult): string {
  return r.error
    ? `${r.name}: could not read: ${r.error}`
    : `${r.name}: ${show(r.value)}, expected ${r.tolerance}`;
}

export async function runScenario(
  s: Scenario,
  target: ChaosTarget,
  opts: RunOptions,
): Promise<ScenarioResult> {
  const emit = (e: RunEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // observers never throw into the run
    }
  };
  const attempt = opts.attempt ?? 1;
  const sabotage = opts.sabotage ?? [];
  emit({ type: "scenario", name: s.name, title: s.title, attempt, sabotage });
  const t0 = Date.now();
  const ctx = new StackProbeContext(target, opts.seed, (line) =>
    emit({ type: "step", name: s.name, text: line, ok: undefined }),
  );
  const steps: StepResult[] = [];
  const faults: FaultRecord[] = [];
  const rollbacks: Rollback[] = [];
  const invariants: InvariantResult[] = [];
  const failures: { check: string; evidence: string }[] = [];
  const active = new Map<string, { fault: ActiveFault; record: FaultRecord }>();
  const pendingHeals: Promise<void>[] = [];
  const outputs: Record<string, unknown> = {};
  let before: SteadyState | undefined;
  let after: SteadyState | undefined;
  let status: ScenarioResult["status"] = "completed";
  let reason: string | undefined;
  let workload: WorkloadDriver | undefined;
  let loadRun: Promise<LoadRun> | undefined;
  let load: LoadRun | undefined;
  let workloadEnd = 0;

  // The run's own signal: the operator's (interrupted) or the safeguard's (aborted).
  const safeguardMs = (s.timeoutS ?? 300) * 1000;
  const ctrl = new AbortController();
  const onOperator = () => ctrl.abort(new InterruptedError());
  if (opts.signal?.aborted) onOperator();
  opts.signal?.addEventListener("abort", onOperator, { once: true });
  const safeguard = setTimeout(
    () => ctrl.abort(new SafeguardError(`safeguard: the scenario ran longer than ${safeguardMs / 1000} s`)),
    safeguardMs,
  );
  const signal = ctrl.signal;

  const step = (r: Omit<StepResult, "endedAt"> & { endedAt?: string }) => {
    const full: StepResult = { ...r, endedAt: r.endedAt ?? new Date().toISOString() };
    steps.push(full);
    emit({
      type: "step",
      name: s.name,
      text: `${full.kind} ${full.name}: ${full.detail}`,
      ok:
        full.status === "ok" ? true : full.status === "failed" || full.status === "error" ? false : undefined,
    });
  };

  const heal = async (name: string, asRollback: boolean) => {
    const a = active.get(name);
    if (!a) return;
    active.delete(name);
    const started = Date.now();
    try {
      const detail = await a.fault.heal();
      a.record.end = iso(Date.now());
      if (asRollback)
        rollbacks.push({
          fault: name,
          startedAt: iso(started),
          endedAt: iso(Date.now()),
          status: "ok",
          detail,
        });
      else step({ name, kind: "heal", startedAt: iso(started), status: "ok", detail });
    } catch (err) {
      a.record.end = iso(Date.now());
      const detail = `could not heal ${a.fault.label}: ${(err as Error).message}`;
      if (asRollback)
        rollbacks.push({
          fault: name,
          startedAt: iso(started),
          endedAt: iso(Date.now()),
          status: "failed",
          detail,
        });
      else step({ name, kind: "heal", startedAt: iso(started), status: "error", detail });
      throw new FaultError(detail);
    }
  };

  const runStep = async (st: Step) => {
    const started = Date.now();
    switch (st.kind) {
      case "fault": {
        if (active.has(st.name)) throw new FaultError(`fault "${st.name}" is already in force`);
        const af = await inject(st.fault, target, st.name, ctx.random);
        const now = Date.now();
        const record: FaultRecord = {
          id: st.name,
          label: af.label,
          kind: af.kind,
          target: af.target,
          requestedAt: iso(started),
          activeAt: iso(now),
          start: iso(now),
        };
        faults.push(record);
        active.set(st.name, { fault: af, record });
        step({
          name: st.name,
          kind: "fault",
          startedAt: iso(started),
          status: "ok",
          detail: `${af.label}; in force after ${now - started} ms${st.forS ? `, for ${st.forS} s` : ""}`,
          output: { inForceMs: now - started },
        });
        if (st.forS !== undefined) {
          pendingHeals.push(
            sleep(st.forS * 1000, signal).then(
              () => heal(st.name, false),
              () => undefined,
            ),
          );
        }
        return;
      }
      case "heal":
        if (!active.has(st.fault)) throw new FaultError(`heal: no fault "${st.fault}" in force`);
        await heal(st.fault, false);
        return;
      case "wait":
        await sleep(st.seconds * 1000, signal);
        step({
          name: `${st.seconds} s`,
          kind: "wait",
          startedAt: iso(started),
          status: "ok",
          detail: `waited ${st.seconds} s`,
        });
        return;
      case "probe": {
        const r = await runProbe(st.probe, ctx, outputs);
        outputs[st.id] = r.value;
        step({
          name: st.id,
          kind: "probe",
          startedAt: iso(started),
          status: r.error ? "error" : "ok",
          detail: `${probeTarget(st.probe)} = ${show(r.value)}${r.error ? ` (${r.error})` : ""}`,
          output: r.value,
        });
        return;
      }
      case "expect": {
        const within = (st.withinS ?? 0) * 1000;
        const hold = (st.holdS ?? 0) * 1000;
        let readings = 0;
        const read = () => {
          readings++;
          return runProbe(st.probe, ctx, outputs);
        };
        // With a hold, it must stay in tolerance for the whole hold; else get there within `within`.
        const { value: last } = await pollUntil(read, (r) => (hold > 0 ? !r.ok : r.ok), {
          timeoutMs: hold > 0 ? hold : within,
          intervalMs: 250,
          signal,
        });
        if (st.id) outputs[st.id] = last.value;
        const took = Date.now() - started;
        const how = hold > 0 ? `held for ${st.holdS} s` : within > 0 ? `within ${st.withinS} s` : "";
        if (last.ok) {
          step({
            name: st.name,
            kind: "expect",
            startedAt: iso(started),
            status: "ok",
            detail: `${probeTarget(st.probe)} ${last.tolerance} ${how} (${readings} readings, ${took} ms): ${show(last.value)}`,
            output: last.value,
          });
        } else {
          const evidence =
            `${probeEvidence(last)} ${how ? `(${how}; ${readings} readings over ${took} ms)` : ""}`.trim();
          failures.push({ check: st.name, evidence });
          step({
            name: st.name,
            kind: "expect",
            startedAt: iso(started),
            status: "failed",
            detail: evidence,
            output: last.value,
          });
        }
        return;
      }
      case "action": {
        const r = await st.run(ctx, outputs);
        if (st.id) outputs[st.id] = r.value;
        if (!r.ok) failures.push({ check: st.name, evidence: r.detail });
        step({
          name: st.name,
          kind: "action",
          startedAt: iso(started),
          status: r.ok ? "ok" : "failed",
          detail: r.detail,
          output: r.value,
        });
        return;
      }
    }
  };

  try {
    if (s.setup) {
      const started = Date.now();
      await s.setup(ctx);
      step({ name: "setup", kind: "action", startedAt: iso(started), status: "ok", detail: "data prepared" });
    }
    // Before: the system may still be settling from the previous scenario: give it a moment.
    const b = await awaitSteadyState(s.steadyState, ctx, 20, signal);
    before = b.state;
    if (!before.met) {
      const bad = before.probes.filter((p) => !p.ok);
      throw new SafeguardError(
        `steady state not met before the method: ${bad.map(probeEvidence).join("; ")}`,
      );
    }
    if (s.workload) {
      workload = new WorkloadDriver(s.workload, ctx);
      ctx.history = workload;
      workload.start();
    }
    if (s.load) {
      const spec = s.load;
      const scenario = await loadLoadScenario(spec.scenario);
      emit({
        type: "step",
        name: s.name,
        text: `load ${spec.scenario} for ${spec.durationS} s as the workload`,
        ok: undefined,
      });
      loadRun = runLoad(target, scenario, {
        profile: spec.profile,
        durationS: spec.durationS,
        signal,
        faultWindows: () => faults.map((f) => ({ id: f.id, label: f.label, start: f.start, end: f.end })),
      });
      // Reported when awaited; never an unhandled rejection meanwhile.
      loadRun.catch(() => undefined);
    }
    for (const st of s.method) {
      if (signal.aborted) throw signal.reason as Error;
      await runStep(st);
    }
    await Promise.all(pendingHeals);
    if (signal.aborted) throw signal.reason as Error;
    // Faults still in force at the end of the method are healed now (a method step, not a rollback).
    for (const name of [...active.keys()].reverse()) await heal(name, false);
    const healedAt = Date.now();
    // The steady state is judged again with the traffic still flowing (a breaker only closes
    // on a call that succeeds); the workload stops once it holds, after its tail.
    const a = await awaitSteadyState(s.steadyState, ctx, s.recoverWithinS ?? 30, signal);
    after = a.state;
    for (const f of faults)
      f.recoveryMs = a.metAt ? Math.max(0, a.metAt - Math.max(healedAt, Date.parse(f.end ?? f.start))) : null;
    for (const p of after.probes.filter((x) => !x.ok)) {
      failures.push({ check: p.name, evidence: `steady state after heal: ${probeEvidence(p)}` });
      emit({ type: "step", name: s.name, text: `steady state after heal: ${probeEvidence(p)}`, ok: false });
    }
    if (workload) {
      await sleep((s.workload!.tailS ?? 2) * 1000, signal);
      await workload.stop();
      workloadEnd = Date.now();
    }

    if (loadRun) {
      load = await loadRun;
      emit({
        type: "step",
        name: s.name,
        text: `load ${load.name}: ${load.status}; recovery ${load.recoveryMs === null || load.recoveryMs === undefined ? "not reached" : `${load.recoveryMs} ms`}`,
        ok: load.status === "passed",
      });
    }
    const history: History = workload ?? { ops: [], dropped: [] };
    const ictx: InvariantContext = Object.assign(Object.create(ctx) as StackProbeContext, {
      history,
      load,
      settle: async (check: () => Promise<InvariantOutcome>, o: { withinS: number; everyMs?: number }) =>
        (
          await pollUntil(check, (r) => r.status === "held" || r.final === true, {
            timeoutMs: Math.max(0, healedAt + o.withinS * 1000 - Date.now()),
            intervalMs: o.everyMs ?? 500,
            signal,
          })
        ).value,
    });
    for (const inv of s.invariants) {
      let r: InvariantOutcome;
      try {
        r = await inv.check(ictx);
      } catch (err) {
        if (signal.aborted) throw signal.reason as Error;
        r = { status: "unknown", detail: `the check could not run: ${(err as Error).message}` };
      }
      invariants.push({
        name: inv.name,
        description: inv.description,
        status: r.status,
        detail: r.detail,
        evidence: { ids: r.ids ?? [], values: r.values ?? {} },
      });
      emit({
        type: "step",
        name: s.name,
        text: `invariant ${inv.name}: ${r.status}: ${r.detail}`,
        ok: r.status === "held",
      });
      if (r.status !== "held")
        failures.push({
          check: inv.name,
          evidence: `${r.detail}${r.ids?.length ? ` (ids: ${r.ids.slice(0, 10).join(", ")}${r.ids.length > 10 ? `, … ${r.ids.length} in all` : ""})` : ""}`,
        });
    }
    status = failures.length > 0 ? "failed" : "completed";
  } catch (err) {
    if (err instanceof InterruptedError || opts.signal?.aborted) {
      status = "interrupted";
      reason = "interrupted by the operator: faults rolled back";
    } else {
      status = "aborted";
      reason = err instanceof SafeguardError ? err.message : `harness error: ${(err as Error).message}`;
    }
  } finally {
    clearTimeout(safeguard);
    opts.signal?.removeEventListener("abort", onOperator);
    if (workload && !workloadEnd) {
      await workload.abandon();
      workloadEnd = Date.now();
    }
    // The load runner stops with the run's signal (or at its duration): wait for it to go.
    if (loadRun && !load) await loadRun.catch(() => undefined);
    // Rollbacks: every fault still in force, newest first; then the whole stack back to normal.
    for (const name of [...active.keys()].reverse()) await heal(name, true).catch(() => undefined);
    const started = Date.now();
    try {
      const detail = await restoreStack(target);
      if (detail)
        rollbacks.push({
          fault: "stack",
          startedAt: iso(started),
          endedAt: iso(Date.now()),
          status: "ok",
          detail,
        });
    } catch (err) {
      rollbacks.push({
        fault: "stack",
        startedAt: iso(started),
        endedAt: iso(Date.now()),
        status: "failed",
        detail: (err as Error).message,
      });
      if (status === "completed" || status === "failed") {
        status = "aborted";
        reason = `rollback failed: ${(err as Error).message}`;
      }
    }
    await ctx.close();
  }

  const history = workload;
  // Traces as evidence (observed by actions, of the orders that broke an invariant): best effort.
  const traces = await traceEvidence(target, steps, invariants).catch(() => undefined);
  const result: ScenarioResult = {
    name: s.name,
    title: s.title,
    file: s.file,
    tags: s.tags,
    catches: Object.keys(s.catches),
    sabotage,
    seed: opts.seed,
    attempt,
    status,
    deviated: status === "failed",
    startedAt: iso(t0),
    endedAt: iso(Date.now()),
    durationMs: Date.now() - t0,
    steadyStateBefore: before,
    steadyStateAfter: after,
    steps,
    faults,
    rollbacks,
    invariants,
    workload: history
      ? {
          description: s.workload!.description,
          invoked: history.ops.length,
          ok: history.ops.filter((o) => o.type === "ok").length,
          fail: history.ops.filter((o) => o.type === "fail").length,
          unknown: history.ops.filter((o) => o.type === "unknown").length,
          series: perSecond(history, history.startedAt, workloadEnd || Date.now()),
          latencyMs: percentiles(history.ops.map(latency)),
        }
      : undefined,
    load,
    failures,
    reason,
    ...(traces ? { traces } : {}),
  };
  emit({ type: "result", result });
  return result;
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
