/**
 * How long rendering a run takes and how big its files are: renders the same journal `runs`
 * times into a temporary folder (the first run also reads uPlot from node_modules) and reports
 * the wall times and the sizes. Figures, not a test: nothing here passes or fails.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readJournal, writeJournal, type Journal } from "./journal.ts";
import { renderRun } from "./render.ts";
import { median } from "../statistics.ts";

export interface ReportBenchFigures {
  scenarios: number;
  loadSeconds: number;
  perSecondPoints: number;
  runs: number;
  /** The first render (it also reads uPlot from node_modules). */
  firstMs: number;
  /** Reading and validating journal.json, then rendering: what `faultline report render` does. */
  readAndRenderMs: number;
  medianMs: number;
  maxMs: number;
  bytes: { html: number; junit: number; summary: number; journal: number };
  goal: { ms: number; bytes: number; met: boolean };
}

export async function benchReport(journal: Journal, runs = 10): Promise<ReportBenchFigures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "faultline-report-bench-"));
  try {
    const journalFile = await writeJournal(dir, journal);
    const times: number[] = [];
    let out = { html: "", junit: "", summary: "" };
    for (let i = 0; i < Math.max(1, runs); i++) {
      const t0 = performance.now();
      out = await renderRun(dir, journal);
      times.push(performance.now() - t0);
    }
    const r0 = performance.now();
    await renderRun(dir, await readJournal(journalFile));
    const readAndRenderMs = performance.now() - r0;
    const size = async (f: string) => (await stat(f)).size;
    const round = (x: number) => Math.round(x * 10) / 10;
    const bytes = {
      html: await size(out.html),
      junit: await size(out.junit),
      summary: await size(out.summary),
      journal: await size(journalFile),
    };
    const medianMs = round(median(times));
    const scenarios = journal.chaos?.scenarios ?? [];
    const loads = journal.load?.runs ?? [];
    return {
      scenarios: scenarios.length,
      loadSeconds: loads.reduce((a, r) => a + r.series.length, 0),
      perSecondPoints:
        loads.reduce((a, r) => a + r.series.length, 0) +
        scenarios.reduce((a, s) => a + (s.workload?.series.length ?? 0), 0),
      runs: times.length,
      firstMs: round(times[0]!),
      readAndRenderMs: round(readAndRenderMs),
      medianMs,
      maxMs: round(Math.max(...times)),
      bytes,
      goal: {
        ms: 1000,
        bytes: 2 * 1024 * 1024,
        met: round(Math.max(times[0]!, readAndRenderMs)) < 1000 && bytes.html < 2 * 1024 * 1024,
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
