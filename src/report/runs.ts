/**
 * The runs under a reports folder: `<reportsDir>/<run-id>/journal.json`. Journals that cannot be
 * read are listed with the reason (for example an unsupported version), never dropped silently.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
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

interface RunFolder {
  runId: string;
  dir: string;
  journalFile: string;
  html: string | null;
}

/** The folders under reportsDir that hold a journal.json. */
async function runFolders(reportsDir: string): Promise<RunFolder[]> {
  let names: string[];
  try {
    names = (await readdir(reportsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const folders = await Promise.all(
    names.map(async (runId): Promise<RunFolder | null> => {
      const dir = path.join(reportsDir, runId);
      const journalFile = path.join(dir, "journal.json");
      if (!(await exists(journalFile))) return null;
      const html = (await exists(path.join(dir, "index.html"))) ? path.join(dir, "index.html") : null;
      return { runId, dir, journalFile, html };
    }),
  );
  return folders.filter((f): f is RunFolder => f !== null);
}

async function readEntry(f: RunFolder): Promise<RunEntry> {
  try {
    return { runId: f.runId, dir: f.dir, html: f.html, journal: await readJournal(f.journalFile) };
  } catch (err) {
    return { runId: f.runId, dir: f.dir, html: f.html, journal: null, error: (err as Error).message };
  }
}

const newestFirst = (a: { runId: string; startedAt: number }, b: { runId: string; startedAt: number }) =>
  b.startedAt - a.startedAt || b.runId.localeCompare(a.runId);

/** Every run folder with a journal.json, newest first (by start time, then by name). */
export async function listRuns(reportsDir: string): Promise<RunEntry[]> {
  const entries = await Promise.all((await runFolders(reportsDir)).map(readEntry));
  const key = (e: RunEntry) => ({
    runId: e.runId,
    startedAt: e.journal ? Date.parse(e.journal.startedAt) : 0,
  });
  return entries.sort((a, b) => newestFirst(key(a), key(b)));
}

/**
 * The rows of every run, newest first, as `listRuns(...).map(runRow)` but without re-reading
 * journals that did not change: rows are cached in `<reportsDir>/.runs-cache.json` by journal
 * size and modification time. Bump ROWS_VERSION when what a row holds changes.
 */
const ROWS_VERSION = 1;
type RowsCache = { version: number; rows: Record<string, { size: number; mtimeMs: number; row: RunRow }> };

export async function listRunRows(reportsDir: string): Promise<RunRow[]> {
  const cacheFile = path.join(reportsDir, ".runs-cache.json");
  let cache: RowsCache = { version: ROWS_VERSION, rows: {} };
  try {
    const read = JSON.parse(await readFile(cacheFile, "utf8")) as RowsCache;
    if (read.version === ROWS_VERSION) cache = read;
  } catch {
    // No cache yet, or an unreadable one: every journal is read.
  }
  const next: RowsCache = { version: ROWS_VERSION, rows: {} };
  const rows = await Promise.all(
    (await runFolders(reportsDir)).map(async (f) => {
      const st = await stat(f.journalFile);
      const hit = cache.rows[f.runId];
      let row: RunRow;
      if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs)
        row = { ...hit.row, runId: f.runId, dir: f.dir, html: f.html };
      else row = runRow(await readEntry(f));
      if (!row.error) next.rows[f.runId] = { size: st.size, mtimeMs: st.mtimeMs, row };
      return row;
    }),
  );
  await writeFile(cacheFile, JSON.stringify(next)).catch(() => undefined);
  const key = (r: RunRow) => ({ runId: r.runId, startedAt: r.startedAt ? Date.parse(r.startedAt) : 0 });
  return rows.sort((a, b) => newestFirst(key(a), key(b)));
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
