/**
 * Which scenarios of the catalog a mutant runs against: those whose edges, container faults or
 * tags touch the mutated service, the ones whose tags fit the operator first (a deadline mutant
 * meets the deadline scenarios before the others). And how a scenario's result judges a mutant.
 */
import type { Fault, Pick as EdgePick, Scenario } from "../chaos/model.ts";
import type { MutantScenarioRun, ScenarioResult } from "../report/journal.ts";

const picks = (p: EdgePick): string[] => (typeof p === "string" ? [p] : p.oneOf);

function faultServices(f: Fault): string[] {
  switch (f.type) {
    case "toxic":
    case "cut":
      return picks(f.edge).flatMap((e) => e.split("->"));
    case "partition":
      return f.groups.flat();
    case "random-partition":
      return f.among.flatMap((e) => e.split("->"));
    case "container":
      return picks(f.target);
  }
}

/** The services a scenario touches: the ends of the edges it breaks, the containers it faults, its tags. */
export function touchedServices(s: Scenario): Set<string> {
  const out = new Set<string>(s.tags);
  for (const step of s.method)
    if (step.kind === "fault") for (const x of faultServices(step.fault)) out.add(x);
  return out;
}

/** Tags that fit each operator: those scenarios run first. */
const AFFINITY: Record<string, string[]> = {
  "timeout-x30": ["deadline", "latency", "breaker"],
  "timeout-removed": ["deadline", "latency", "breaker"],
  "retry-once": ["retry", "partition", "saga"],
  "retry-unbounded": ["retry", "overload", "backoff"],
  "backoff-removed": ["backoff", "retry", "overload"],
  "err-continue": ["saga", "compensation", "partition", "postgres"],
  "compensation-call-deleted": ["compensation", "saga", "business-failure"],
  "dedupe-always-false": ["dedupe", "at-least-once", "retry"],
  "breaker-never-trips": ["breaker", "latency"],
  "errors-is-false": ["business-failure", "saga", "compensation"],
  "commit-error-ignored": ["postgres", "partition"],
  "offset-commit-early": ["at-least-once", "kafka", "dedupe"],
};

export function scenariosFor(service: string, operator: string, catalog: Scenario[]): Scenario[] {
  const mine = catalog.filter((s) => touchedServices(s).has(service));
  const fit = AFFINITY[operator] ?? [];
  const rank = (s: Scenario) => {
    const i = fit.findIndex((t) => s.tags.includes(t));
    return i === -1 ? fit.length : i;
  };
  return mine
    .map((s, i) => ({ s, i }))
    .sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i)
    .map((x) => x.s);
}

export type Verdict = "killed" | "held" | "harness-error" | "interrupted";

/** Killed: the scenario deviated on a check or an invariant. An abort is the harness's, never a kill. */
export function judge(r: Pick<ScenarioResult, "status" | "deviated" | "failures">): Verdict {
  if (r.status === "interrupted") return "interrupted";
  if (r.status === "aborted") return "harness-error";
  if (r.status === "failed" && r.deviated && r.failures.length > 0) return "killed";
  return r.status === "completed" ? "held" : "harness-error";
}

export function scenarioRun(r: ScenarioResult): MutantScenarioRun {
  return {
    scenario: r.name,
    status: r.status,
    deviated: r.deviated,
    durationMs: r.durationMs,
    failures: r.failures,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
