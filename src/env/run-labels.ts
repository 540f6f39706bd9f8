import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

/** Every container, network and volume faultline starts carries these labels. */
export const LABEL_MANAGED = "dev.faultline";
export const LABEL_RUN_ID = "dev.faultline.run-id";
export const LABEL_OWNER_PID = "dev.faultline.owner-pid";
export const LABEL_OWNER_STARTED = "dev.faultline.owner-started";
/** Set by `faultline up`: the stack outlives the command and is removed by `faultline down`. */
export const LABEL_DETACHED = "dev.faultline.detached";
/** On the mark a detached stack leaves once it is fully up and recorded (see stack-state.ts). */
export const LABEL_RECORDED = "dev.faultline.recorded";

/**
 * The id of this run. A test run's global set-up puts it in FAULTLINE_RUN_ID so that every worker
 * process labels its containers with the same run; otherwise each process is its own run.
 */
export function runId(): string {
  process.env.FAULTLINE_RUN_ID ??= randomUUID();
  return process.env.FAULTLINE_RUN_ID;
}

/** When a process started (clock ticks since boot, from /proc), so a reused PID is not taken for its owner. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // field 22: starttime
  } catch {
    return undefined;
  }
}

/** True while the process that labelled a resource still runs. */
export function ownerAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  if (started === undefined) return true;
  const now = processStartTicks(pid);
  return now === undefined || now === started;
}

export function runLabels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_RUN_ID]: runId(),
    [LABEL_OWNER_PID]: String(process.pid),
    [LABEL_OWNER_STARTED]: processStartTicks(process.pid) ?? "",
    ...extra,
  };
}

/** A run's folder name under reports/: its start time, then the start of the run id. */
export function reportRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}-${runId().slice(0, 8)}`;
}
