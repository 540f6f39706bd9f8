/**
 * The runs under a reports folder: `<reportsDir>/<run-id>/journal.json`. Journals that cannot be
 * read are listed with the reason (for example an unsupported version), never dropped silently.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { readJournal, type Journal } from "./journal.ts";
import { areaVerdicts, passRate, runDurationMs, runP95, type AreaStatus } from "./verdict.ts";

export interface RunEntry {
  runId: string;
  dir: string;
  /** The run page, if it was rendered. */
  html: string | null;
  journal: Journal | null;
  /** Why the journal could not be read. */
  error?: string;
}

export interface RunRow {
  runId: string;
  dir: string;
  html: string | null;
  target: string | null;
  command: string | null;
  status: string;
  startedAt: string | null;
  durationMs: number | null;
  passRate: number | null;
  p95Ms: number | null;
  areas: Partial<Record<string, AreaStatus>>;
  error?: string;
}

const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

/** Every run folder with a journal.json, newest first (by start time, then by name). */
export async function listRuns(reportsDir: string): Promise<RunEntry[]> {
  let names: string[];
  try {
    names = (await readdir(reportsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const entries = await Promise.all(
    names.map(async (name): Promise<RunEntry | null> => {
      const dir = path.join(reportsDir, name);
      const file = path.join(dir, "journal.json");
      if (!(await exists(file))) return null;
      const html = (await exists(path.join(dir, "index.html"))) ? path.join(dir, "index.html") : null;
      try {
        return { runId: name, dir, html, journal: await readJournal(file) };
      } catch (err) {
        return { runId: name, dir, html, journal: null, error: (err as Error).message };
      }
    }),
  );
  const started = (e: RunEntry) => (e.journal ? Date.parse(e.journal.startedAt) : 0);
  return entries
    .filter((e): e is RunEntry => e !== null)
    .sort((a, b) => started(b) - started(a) || b.runId.localeCompare(a.runId));
}

export function runRow(e: RunEntry): RunRow {
  const j = e.journal;
  if (!j) {
    return {
      runId: e.runId,
      dir: e.dir,
      html: e.html,
      target: null,
      command: null,
      status: "unreadable",
      startedAt: null,
      durationMs: null,
      passRate: null,
      p95Ms: null,
      areas: {},
      ...(e.error ? { error: e.error } : {}),
    };
  }
  return {
    runId: e.runId,
    dir: e.dir,
    html: e.html,
    target: j.target,
    command: j.command,
    status: j.status,
    startedAt: j.startedAt,
    durationMs: runDurationMs(j),
    passRate: passRate(j),
    p95Ms: runP95(j),
    areas: Object.fromEntries(areaVerdicts(j).map((v) => [v.area, v.status])),
  };
}

/** A run by id, by unique prefix, or the newest when no id is given. */
export async function findRun(reportsDir: string, id?: string): Promise<RunEntry> {
  const runs = await listRuns(reportsDir);
  if (runs.length === 0) throw new Error(`no runs under ${reportsDir}: run \`faultline run\` first`);
  if (!id) return runs[0]!;
  const exact = runs.find((r) => r.runId === id);
  if (exact) return exact;
  const matches = runs.filter((r) => r.runId.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new Error(
      `run id "${id}" is ambiguous under ${reportsDir}: ${matches.map((m) => m.runId).join(", ")}`,
    );
  throw new Error(`no run "${id}" under ${reportsDir}; \`faultline report list\` shows the runs`);
}
