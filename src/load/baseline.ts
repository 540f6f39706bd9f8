/**
 * Baselines: a load run compared with an earlier one of the same scenario (by run id under
 * reports/, or a journal file). A regression beyond the tolerance fails the run.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { readJournal, type LoadRun } from "../report/journal.ts";
import { reportsDir } from "../paths.ts";

export interface BaselineTolerance {
  /** p95 may grow by this fraction (0.2 = 20 %) plus p95SlackMs. */
  p95Growth: number;
  p95SlackMs: number;
  /** Throughput may drop by this fraction. */
  throughputDrop: number;
  /** The error rate may grow by this much (absolute). */
  errorRateGrowth: number;
}

export const DEFAULT_BASELINE_TOLERANCE: BaselineTolerance = {
  p95Growth: 0.2,
  p95SlackMs: 5,
  throughputDrop: 0.1,
  errorRateGrowth: 0.01,
};

/** The earlier run of the same scenario, from a run id or a journal file. */
export async function readBaseline(ref: string, scenario: string): Promise<{ runId: string; run: LoadRun }> {
  let file = ref;
  const exists = (f: string) =>
    access(f).then(
      () => true,
      () => false,
    );
  if (!(await exists(file))) file = path.join(reportsDir(), ref, "journal.json");
  if (!(await exists(file)))
    throw new Error(
      `--baseline ${ref}: neither a journal file nor a run under ${reportsDir()} (fix: give a run id from reports/ or a path to its journal.json)`,
    );
  const j = await readJournal(file);
  const run = j.load?.runs.find((r) => r.name === scenario);
  if (!run)
    throw new Error(
      `--baseline ${ref}: ${file} has no load run of scenario "${scenario}" (it has: ${j.load?.runs.map((r) => r.name).join(", ") || "none"})`,
    );
  return { runId: j.runId, run };
}

/** The figures compared: p95 (ms) of all requests, throughput (requests/s), error rate. */
export function headlineFigures(run: LoadRun): { p95: number | null; throughput: number; errorRate: number } {
  const req = run.series.reduce((a, s) => a + s.requests, 0);
  const failed = run.series.reduce((a, s) => a + s.fail + s.unknown, 0);
  const trend = run.metrics.http_req_duration ?? run.metrics.grpc_req_duration;
  return {
    p95: trend?.values["p(95)"] ?? null,
    throughput: run.series.length ? req / run.series.length : 0,
    errorRate: req ? failed / req : 0,
  };
}

export function compareWithBaseline(
  current: LoadRun,
  baseline: { runId: string; run: LoadRun },
  tol: BaselineTolerance = DEFAULT_BASELINE_TOLERANCE,
): NonNullable<LoadRun["baseline"]> {
  const c = headlineFigures(current);
  const b = headlineFigures(baseline.run);
  const comparisons: NonNullable<LoadRun["baseline"]>["comparisons"] = [];
  if (b.p95 !== null && c.p95 !== null)
    comparisons.push({
      figure: "p95 (ms)",
      baseline: b.p95,
      current: c.p95,
      tolerance: `<= baseline x ${1 + tol.p95Growth} + ${tol.p95SlackMs} ms`,
      ok: c.p95 <= b.p95 * (1 + tol.p95Growth) + tol.p95SlackMs,
    });
  comparisons.push({
    figure: "throughput (req/s)",
    baseline: b.throughput,
    current: c.throughput,
    tolerance: `>= baseline x ${1 - tol.throughputDrop}`,
    ok: c.throughput >= b.throughput * (1 - tol.throughputDrop),
  });
  comparisons.push({
    figure: "error rate",
    baseline: b.errorRate,
    current: c.errorRate,
    tolerance: `<= baseline + ${tol.errorRateGrowth}`,
    ok: c.errorRate <= b.errorRate + tol.errorRateGrowth,
  });
  return { runId: baseline.runId, comparisons };
}
