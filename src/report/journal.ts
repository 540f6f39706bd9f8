import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StackTimings } from "../env/stack.ts";

/** A run's journal, versioned JSON under reports/<run-id>/journal.json (after chaostoolkit's journal). */
export type RunStatus = "completed" | "failed" | "aborted" | "interrupted";
export type PhaseStatus = "passed" | "failed" | "skipped";

export interface Phase {
  name: string;
  status: PhaseStatus;
  startedAt: string;
  durationMs: number;
  detail: string;
  /** Sub-results, e.g. one per test or per service. */
  items?: { name: string; status: PhaseStatus; detail?: string; durationMs?: number }[];
}

export interface Journal {
  version: 1;
  runId: string;
  target: string;
  command: string;
  startedAt: string;
  endedAt: string;
  status: RunStatus;
  phases: Phase[];
  stack?: StackTimings;
}

export async function writeJournal(dir: string, journal: Journal): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "journal.json");
  await writeFile(file, `${JSON.stringify(journal, null, 2)}\n`);
  return file;
}
