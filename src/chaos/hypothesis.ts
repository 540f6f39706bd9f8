/**
 * The steady-state hypothesis (chaostoolkit-lib's run_steady_state_hypothesis): every probe read
 * and judged against its tolerance, polled until it is met or a deadline; and, after heal, the
 * invariants judged on the history and the system's state (with one settle deadline for all).
 */
import type { LoadRun, SteadyState } from "../report/journal.ts";
import { pollUntil } from "../poll.ts";
import type { History } from "./history.ts";
import type { InvariantContext, InvariantOutcome, Invariant, Probe } from "./model.ts";
import type { StackProbeContext } from "./probe-context.ts";
import { runProbe } from "./probes.ts";
import type { RunState } from "./run-state.ts";

export async function steadyState(probes: Probe[], ctx: StackProbeContext): Promise<SteadyState> {
  const results = [];
  for (const p of probes) results.push(await runProbe(p, ctx));
  return { met: results.every((r) => r.ok), probes: results };
}

/** Polls the steady state until it is met or `withinS` passes; returns the last reading. */
export async function awaitSteadyState(
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

/** The context invariants are judged in: the probe context, the history, and the settle deadline counted from the heal. */
export function invariantContext(
  ctx: StackProbeContext,
  history: History,
  load: LoadRun | undefined,
  healedAt: number,
  signal: AbortSignal,
): InvariantContext {
  return Object.assign(Object.create(ctx) as StackProbeContext, {
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
}

/** Judges each invariant in turn; a check that throws is unknown (unless the run was stopped). */
export async function judgeInvariants(
  invariants: Invariant[],
  ictx: InvariantContext,
  run: RunState,
): Promise<void> {
  for (const inv of invariants) {
    let r: InvariantOutcome;
    try {
      r = await inv.check(ictx);
    } catch (err) {
      if (run.signal.aborted) throw run.signal.reason as Error;
      r = { status: "unknown", detail: `the check could not run: ${(err as Error).message}` };
    }
    run.invariants.push({
      name: inv.name,
      description: inv.description,
      status: r.status,
      detail: r.detail,
      evidence: { ids: r.ids ?? [], values: r.values ?? {} },
    });
    run.say(`invariant ${inv.name}: ${r.status}: ${r.detail}`, r.status === "held");
    if (r.status !== "held")
      run.failures.push({
        check: inv.name,
        evidence: `${r.detail}${r.ids?.length ? ` (ids: ${r.ids.slice(0, 10).join(", ")}${r.ids.length > 10 ? `, … ${r.ids.length} in all` : ""})` : ""}`,
      });
  }
}
