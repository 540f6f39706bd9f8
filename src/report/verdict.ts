/**
 * Verdicts and checks derived from a journal, shared by every renderer (HTML, JUnit, summary,
 * runs index) so that they all count the same things the same way.
 *
 * A check is one JUnit test case: a contract interaction, a chaos scenario, a load threshold, or
 * a failed phase that none of those explains (area "run": the stack did not start, the consumer
 * tests could not run), so a run that failed never shows a full pass rate.
 */
import type { DetectionMatrix, Journal, LoadRun, ScenarioResult } from "./journal.ts";

export type CheckStatus = "passed" | "failed" | "error" | "skipped";
export type Area = "contracts" | "chaos" | "load" | "footprint" | "run";
/** The areas with a verdict of their own (report cards, the runs index's columns). */
export const AREAS: readonly Area[] = ["contracts", "chaos", "load", "footprint"];
/** Every area a check can have: AREAS and "run" (failed phases no other check explains). */
export const CHECK_AREAS: readonly Area[] = [...AREAS, "run"];

export interface Check {
  area: Area;
  /** JUnit classname: `contracts.storefront->gateway`, `chaos`, `load.smoke`. */
  suite: string;
  name: string;
  status: CheckStatus;
  /** Position of the item in its journal list (interaction, scenario, load run, phase): for links. */
  index: number;
  durationMs: number;
  /** One line: why it failed. */
  message?: string;
  /** The evidence, several lines. */
  detail?: string;
}

/** passed/failed/aborted/interrupted as chaos uses them; measured for footprint; skipped = absent. */
export type AreaStatus = "passed" | "failed" | "aborted" | "interrupted" | "measured" | "skipped";

export interface AreaVerdict {
  area: Area;
  status: AreaStatus;
  /** "12 of 14 interactions passed" */
  headline: string;
  counts: Record<string, number>;
}

const span = (a: string, b: string) => Math.max(0, Date.parse(b) - Date.parse(a));

/** The scenario's outcome as a check: a sabotaged run passes when it deviated as the detection matrix expects. */
export function scenarioOutcome(
  s: ScenarioResult,
  detection?: DetectionMatrix,
): { status: CheckStatus; message: string } {
  const failures = s.failures.map((f) => `${f.check}: ${f.evidence}`).join("; ");
  if (s.status === "interrupted") return { status: "skipped", message: "interrupted by the operator" };
  if (s.status === "aborted")
    return { status: "error", message: `aborted: ${s.reason ?? "a safeguard tripped or the harness broke"}` };
  if (s.sabotage.length === 0) {
    return s.status === "completed" && !s.deviated
      ? { status: "passed", message: "steady state and invariants held" }
      : { status: "failed", message: failures || s.reason || "deviated" };
  }
  const cell = detection?.cells.find((c) => c.scenario === s.name && s.sabotage.includes(c.switch));
  const sw = s.sabotage.join("+");
  if (cell) {
    return cell.ok
      ? { status: "passed", message: `caught ${sw}${cell.reason ? `: ${cell.reason}` : ""}` }
      : {
          status: "failed",
          message: `expected to ${cell.expected} with ${sw}, got ${s.status}${s.deviated ? " (deviated)" : ""}${cell.reason ? `: ${cell.reason}` : ""}`,
        };
  }
  if (s.deviated) return { status: "passed", message: `caught ${sw}: ${failures}` };
  // Held with a switch it does not claim to catch: nothing was expected of it.
  if (!s.sabotage.some((x) => s.catches.includes(x)))
    return { status: "passed", message: `held with ${sw}, which it does not claim to catch` };
  return { status: "failed", message: `did not catch ${sw}: it held` };
}

export function checks(j: Journal): Check[] {
  const out: Check[] = [];
  (j.contracts?.interactions ?? []).forEach((i, index) => {
    out.push({
      area: "contracts",
      index,
      suite: `contracts.${i.consumer}->${i.provider}`,
      name: `${i.side === "provider" ? "verify" : "consumer"}: ${i.description}`,
      status: i.status === "passed" ? "passed" : i.status === "skipped" ? "skipped" : "failed",
      durationMs: i.durationMs ?? 0,
      ...(i.status === "failed"
        ? {
            message: i.mismatches[0]?.message ?? "interaction failed",
            detail: i.mismatches
              .map(
                (m) =>
                  `${m.path}: ${m.message}\n  expected: ${m.expected ?? "-"}\n  actual:   ${m.actual ?? "-"}`,
              )
              .join("\n"),
          }
        : {}),
    });
  });
  (j.chaos?.scenarios ?? []).forEach((s, index) => {
    const o = scenarioOutcome(s, j.chaos?.detection);
    out.push({
      area: "chaos",
      index,
      suite: "chaos",
      name: s.sabotage.length ? `${s.name} [sabotage: ${s.sabotage.join("+")}]` : s.name,
      status: o.status,
      durationMs: s.durationMs,
      ...(o.status === "passed"
        ? {}
        : {
            message: o.message,
            detail: [
              ...s.failures.map((f) => `${f.check}: ${f.evidence}`),
              ...s.invariants
                .filter((v) => v.status !== "held")
                .map(
                  (v) =>
                    `invariant ${v.name} ${v.status}: ${v.detail}${v.evidence.ids.length ? ` (ids: ${v.evidence.ids.slice(0, 20).join(", ")}${v.evidence.ids.length > 20 ? ", …" : ""})` : ""}`,
                ),
              ...s.rollbacks
                .filter((r) => r.status === "failed")
                .map((r) => `rollback of ${r.fault} failed: ${r.detail}`),
            ].join("\n"),
          }),
    });
  });
  (j.load?.runs ?? []).forEach((r, index) => {
    for (const t of r.thresholds) {
      out.push({
        area: "load",
        index,
        suite: `load.${r.name}`,
        name: `${t.metric}: ${t.expression}`,
        status: r.status === "interrupted" ? "skipped" : t.ok ? "passed" : "failed",
        durationMs: 0,
        ...(t.ok
          ? {}
          : { message: `${t.metric} ${t.expression} failed: observed ${t.observed ?? "no value"}` }),
      });
    }
  });
  j.phases.forEach((p, index) => {
    if (p.status !== "failed") return;
    const area = AREAS.find((a) => p.name.toLowerCase().startsWith(a));
    if (area && out.some((c) => c.area === area && (c.status === "failed" || c.status === "error"))) return;
    const items = (p.items ?? []).filter((i) => i.status === "failed");
    out.push({
      area: "run",
      index,
      suite: "run",
      name: `phase ${p.name}`,
      status: "failed",
      durationMs: p.durationMs,
      message: p.detail.split("\n")[0]!,
      detail: [p.detail, ...items.map((i) => `${i.name}: ${i.detail ?? ""}`)].join("\n"),
    });
  });
  return out;
}

const countBy = <T extends string>(xs: T[]) =>
  xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

export function areaVerdicts(j: Journal): AreaVerdict[] {
  const all = checks(j);
  const phaseFailed = (area: Area) =>
    j.phases.some((p) => p.name.toLowerCase().startsWith(area) && p.status === "failed");
  const fromChecks = (area: Area, noun: string, present: boolean): AreaVerdict => {
    const cs = all.filter((c) => c.area === area);
    const counts = countBy(cs.map((c) => c.status));
    const passed = counts.passed ?? 0;
    const failed = (counts.failed ?? 0) + (counts.error ?? 0);
    let status: AreaStatus = !present && !phaseFailed(area) ? "skipped" : "passed";
    if (counts.skipped && !failed) status = "interrupted";
    if (counts.error) status = "aborted";
    if ((counts.failed ?? 0) > 0 || phaseFailed(area)) status = "failed";
    return {
      area,
      status,
      headline: present
        ? `${passed} of ${cs.length} ${noun} passed`
        : phaseFailed(area)
          ? "the phase failed"
          : "not run",
      counts: { total: cs.length, ...counts },
    };
  };
  const loadRuns = j.load?.runs ?? [];
  const load = fromChecks("load", "thresholds", loadRuns.length > 0);
  if (loadRuns.some((r) => r.status === "failed" || r.status === "aborted")) load.status = "failed";
  load.counts.runs = loadRuns.length;
  const claims = j.footprint?.claims ?? [];
  const held = claims.filter((c) => c.held === true).length;
  const notHeld = claims.filter((c) => c.held === false).length;
  const footprint: AreaVerdict = j.footprint
    ? {
        area: "footprint",
        status: phaseFailed("footprint") ? "failed" : "measured",
        // The main job measures without claims (bench claims has the claims table): say what it measured.
        headline: claims.length
          ? `${held} of ${claims.length} claims held`
          : `${j.footprint.services.length} service${j.footprint.services.length === 1 ? "" : "s"} measured, no claims judged`,
        counts: {
          services: j.footprint.services.length,
          claims: claims.length,
          held,
          notHeld,
          unmeasured: claims.length - held - notHeld,
        },
      }
    : {
        area: "footprint",
        status: phaseFailed("footprint") ? "failed" : "skipped",
        headline: "not measured",
        counts: {},
      };
  return [
    fromChecks("contracts", "interactions", (j.contracts?.interactions.length ?? 0) > 0 || !!j.contracts),
    fromChecks("chaos", "scenarios", (j.chaos?.scenarios.length ?? 0) > 0 || !!j.chaos),
    load,
    footprint,
  ];
}

/** Passed checks over decided ones (skipped left out); null when there are none. */
export function passRate(j: Journal): number | null {
  const cs = checks(j).filter((c) => c.status !== "skipped");
  return cs.length ? cs.filter((c) => c.status === "passed").length / cs.length : null;
}

/** A load run's p95 in ms: its request-duration trend, else its worst request, else null. */
export function loadRunP95(r: LoadRun): number | null {
  const trend =
    r.metrics.http_req_duration ??
    r.metrics.grpc_req_duration ??
    Object.values(r.metrics).find((m) => m.type === "trend" && m.values["p(95)"] !== undefined);
  const p = trend?.values["p(95)"];
  if (p !== undefined) return p;
  const ps = r.requests.map((q) => q.latencyMs?.p95).filter((x): x is number => x !== undefined);
  return ps.length ? Math.max(...ps) : null;
}

/** The run's p95: the worst of its load runs. */
export function runP95(j: Journal): number | null {
  const ps = (j.load?.runs ?? []).map(loadRunP95).filter((x): x is number => x !== null);
  return ps.length ? Math.max(...ps) : null;
}

export function runDurationMs(j: Journal): number {
  return span(j.startedAt, j.endedAt);
}
