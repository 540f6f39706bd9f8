/** The stack a load run uses (started, or attached) and the report it writes. */
import path from "node:path";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { loadManifest } from "../env/manifest.ts";
import { runId, reportRunId } from "../env/run-labels.ts";
import { Environment } from "../env/stack.ts";
import { readStackState, apartFromDetachedStacks } from "../env/stack-state.ts";
import type { LoadStack } from "../load/run-load.ts";
import { writeRunPage } from "../report/render.ts";
import { writeJournal, type Journal, type LoadRun } from "../report/journal.ts";
import { projectRoot, reportsDir } from "../paths.ts";
import { stackProgress } from "./stack.ts";

async function attachedStack(target: string): Promise<LoadStack> {
  const state = await readStackState(target);
  if (!state)
    throw new Error(
      `--attach: no stack of target "${target}" is up (start one: faultline up --target ${target})`,
    );
  return {
    manifest: await loadManifest(state.manifestFile, projectRoot()),
    network: { name: state.network },
  };
}

/**
 * Starts the target's stack (or uses the attached one), runs fn on it and stops what it started;
 * gives the run's report id and start time.
 */
export async function onLoadStack<T>(
  opts: { target: string; attach?: boolean },
  progress: boolean,
  fn: (stack: LoadStack) => Promise<T>,
): Promise<{ id: string; startedAt: string; result: T; timings: Journal["stack"] }> {
  if (opts.attach) await apartFromDetachedStacks();
  const id = reportRunId();
  const startedAt = new Date().toISOString();
  installCleanupHandlers(runId());
  const owned = opts.attach
    ? undefined
    : await new Environment(await loadManifest(opts.target, projectRoot()), {
        onEvent: progress ? stackProgress : undefined,
      }).start();
  try {
    return {
      id,
      startedAt,
      result: await fn(owned ?? (await attachedStack(opts.target))),
      timings: owned?.timings,
    };
  } finally {
    await owned?.stop();
  }
}

/** Writes a load run's journal and HTML page; returns the report folder (relative to cwd). */
export async function writeLoadReport(r: {
  id: string;
  target: string;
  command: string;
  startedAt: string;
  run: LoadRun;
  timings: Journal["stack"];
}): Promise<string> {
  const { id, run } = r;
  const dir = path.join(reportsDir(), id);
  const journal: Journal = {
    version: 2,
    runId: id,
    target: r.target,
    command: r.command,
    startedAt: r.startedAt,
    endedAt: new Date().toISOString(),
    status: run.status === "passed" ? "completed" : run.status === "interrupted" ? "interrupted" : "failed",
    reason: run.status === "passed" ? undefined : run.detail,
    phases: [
      {
        name: `load ${run.name}`,
        status: run.status === "passed" ? "passed" : "failed",
        startedAt: run.startedAt,
        durationMs: Date.parse(run.endedAt) - Date.parse(run.startedAt),
        detail: run.detail ?? "",
        items: run.thresholds.map((t) => ({
          name: `${t.metric} ${t.expression}`,
          status: t.ok ? "passed" : "failed",
          detail: `observed ${t.observed ?? "no samples"}`,
        })),
      },
    ],
    stack: r.timings,
    load: { runs: [run] },
  };
  await writeJournal(dir, journal);
  await writeRunPage(dir, journal);
  return path.relative(process.cwd(), dir) || dir;
}
