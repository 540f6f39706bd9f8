/**
 * The cluster's processes: started detached (they outlive `faultline cluster up`), each logging to
 * its own file, recorded by pid and command line so `status` and `down` find exactly them.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { paths } from "./layout.ts";

export interface ProcessRecord {
  name: string;
  pid: number;
  /** The executable, to tell this process from a later one that got the same pid. */
  exe: string;
  log: string;
}

export function startProcess(
  name: string,
  exe: string,
  args: string[],
  env: Record<string, string> = {},
): ProcessRecord {
  mkdirSync(paths.logs, { recursive: true });
  const log = path.join(paths.logs, `${name}.log`);
  const fd = openSync(log, "a");
  const child = spawn(exe, args, {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, ...env },
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`cluster: could not start ${name} (${exe}); see ${log}`);
  return { name, pid: child.pid, exe, log };
}

/** The process is alive and is still the program we started (not a recycled pid). */
export function isAlive(p: ProcessRecord): boolean {
  try {
    process.kill(p.pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${p.pid}/cmdline`;
  if (!existsSync(cmdline)) return false;
  const argv0 = readFileSync(cmdline, "utf8").split("\0")[0] ?? "";
  const stat = readFileSync(`/proc/${p.pid}/stat`, "utf8");
  return argv0 === p.exe && !/\) Z /.test(stat);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(p: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isAlive(p)) return;
  process.kill(p.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(p) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(p)) {
    process.kill(p.pid, "SIGKILL");
    while (isAlive(p)) await new Promise((r) => setTimeout(r, 50));
  }
}

/** The last lines of a process's log, for an error message. */
export function logTail(p: ProcessRecord, lines = 15): string {
  try {
    return readFileSync(p.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n    ");
  } catch {
    return "(no log)";
  }
}
