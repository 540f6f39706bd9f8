/**
 * The method (chaostoolkit-lib's run_method): the scenario's timed steps, one after another —
 * faults injected and verified in force, heals, waits, probes, expectations and actions —
 * each recorded as a step; a fault with `forS` is healed in the background.
 */
import type { FaultRecord } from "../report/journal.ts";
import { pollUntil, sleep } from "../poll.ts";
import { FaultError, inject } from "./faults.ts";
import type { Step } from "./model.ts";
import type { StackProbeContext } from "./probe-context.ts";
import { probeTarget, runProbe } from "./probes.ts";
import { iso, probeEvidence, show, type RunState } from "./run-state.ts";
import type { ChaosTarget } from "./target.ts";

type Ctx = { run: RunState; target: ChaosTarget; ctx: StackProbeContext };

async function faultStep(st: Extract<Step, { kind: "fault" }>, { run, target, ctx }: Ctx): Promise<void> {
  const started = Date.now();
  if (run.active.has(st.name)) throw new FaultError(`fault "${st.name}" is already in force`);
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
  run.faults.push(record);
  run.active.set(st.name, { fault: af, record });
  run.step({
    name: st.name,
    kind: "fault",
    startedAt: iso(started),
    status: "ok",
    detail: `${af.label}; in force after ${now - started} ms${st.forS ? `, for ${st.forS} s` : ""}`,
    output: { inForceMs: now - started },
  });
  if (st.forS !== undefined) {
    run.pendingHeals.push(
      sleep(st.forS * 1000, run.signal).then(
        () => run.heal(st.name, false),
        () => undefined,
      ),
    );
  }
}

async function expectStep(st: Extract<Step, { kind: "expect" }>, { run, ctx }: Ctx): Promise<void> {
  const started = Date.now();
  const within = (st.withinS ?? 0) * 1000;
  const hold = (st.holdS ?? 0) * 1000;
  let readings = 0;
  const read = () => {
    readings++;
    return runProbe(st.probe, ctx, run.outputs);
  };
  // With a hold, it must stay in tolerance for the whole hold; else get there within `within`.
  const { value: last } = await pollUntil(read, (r) => (hold > 0 ? !r.ok : r.ok), {
    timeoutMs: hold > 0 ? hold : within,
    intervalMs: 250,
    signal: run.signal,
  });
  if (st.id) run.outputs[st.id] = last.value;
  const took = Date.now() - started;
  const how = hold > 0 ? `held for ${st.holdS} s` : within > 0 ? `within ${st.withinS} s` : "";
  if (last.ok) {
    run.step({
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
    run.failures.push({ check: st.name, evidence });
    run.step({
      name: st.name,
      kind: "expect",
      startedAt: iso(started),
      status: "failed",
      detail: evidence,
      output: last.value,
    });
  }
}

/** Runs one step of the method. */
export async function runStep(st: Step, c: Ctx): Promise<void> {
  const { run, ctx } = c;
  const started = Date.now();
  switch (st.kind) {
    case "fault":
      return faultStep(st, c);
    case "heal":
      if (!run.active.has(st.fault)) throw new FaultError(`heal: no fault "${st.fault}" in force`);
      await run.heal(st.fault, false);
      return;
    case "wait":
      await sleep(st.seconds * 1000, run.signal);
      run.step({
        name: `${st.seconds} s`,
        kind: "wait",
        startedAt: iso(started),
        status: "ok",
        detail: `waited ${st.seconds} s`,
      });
      return;
    case "probe": {
      const r = await runProbe(st.probe, ctx, run.outputs);
      run.outputs[st.id] = r.value;
      run.step({
        name: st.id,
        kind: "probe",
        startedAt: iso(started),
        status: r.error ? "error" : "ok",
        detail: `${probeTarget(st.probe)} = ${show(r.value)}${r.error ? ` (${r.error})` : ""}`,
        output: r.value,
      });
      return;
    }
    case "expect":
      return expectStep(st, c);
    case "action": {
      const r = await st.run(ctx, run.outputs);
      if (st.id) run.outputs[st.id] = r.value;
      if (!r.ok) run.failures.push({ check: st.name, evidence: r.detail });
      run.step({
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
}

/** Every step in turn (stopping at an interruption), then the background heals, then the faults still in force. */
export async function runMethod(steps: Step[], c: Ctx): Promise<void> {
  const { run } = c;
  for (const st of steps) {
    if (run.signal.aborted) throw run.signal.reason as Error;
    await runStep(st, c);
  }
  await Promise.all(run.pendingHeals);
  if (run.signal.aborted) throw run.signal.reason as Error;
  // Faults still in force at the end of the method are healed now (a method step, not a rollback).
  for (const name of [...run.active.keys()].reverse()) await run.heal(name, false);
}
