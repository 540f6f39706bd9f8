import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { seededRandom } from "../chaos/probe-context.ts";
import { docker } from "../docker-client.ts";
import { LABEL_MANAGED, LABEL_RUN_ID } from "../env/run-labels.ts";
import type { StackStateFile } from "../env/stack-state.ts";
import { cacheDir, projectRoot } from "../paths.ts";
import { pollUntil } from "../poll.ts";

/**
 * The kill matrix (issue: nothing leaks, whatever kills us): start a faultline command, kill it at
 * a moment (an output marker, or a random time), then run the command a user runs next, and count
 * what is left of the killed run: containers, networks, volumes, faults on an attached stack, and
 * processes of its process group. Used by `faultline bench kill` (random moments) and by the
 * cleanup tests (chosen moments).
 */

export interface Leftovers {
  containers: number;
  networks: number;
  volumes: number;
  /** Toxics, disabled edges and containers not running on the attached stack. */
  faults: number;
  /** Processes of the killed command's process group still alive. */
  processes: number;
}

export const total = (l: Leftovers): number => l.containers + l.networks + l.volumes + l.faults + l.processes;

/** Where a command was when it was killed: the newest marker in its output names it. */
const MOMENTS: Array<[RegExp, string]> = [
  [/^· (network|toxiproxy)/gm, "network and Toxiproxy"],
  [/^· infrastructure/gm, "infrastructure start"],
  [/^· services/gm, "service start"],
  [/stack \S+ ready in|attached to /gm, "stack ready"],
  [/▶ (contracts|chaos|load|footprint)\b/gm, "mid-suite"],
  [/^▶ /gm, "mid-suite"],
  [/in force after/gm, "mid-fault"],
  [/✓ heal |rolled back/gm, "mid-suite"],
  [/^\s+\d+s\s+[\d.]+ req\/s/gm, "mid-load"],
  [/Report: |removed \d+ container/gm, "teardown"],
];

export function momentOf(output: string): string {
  let best = { at: -1, name: "image checks and manifest" };
  for (const [re, name] of MOMENTS) {
    for (const m of output.matchAll(re)) if (m.index > best.at) best = { at: m.index, name };
  }
  return best.name;
}

/** Processes whose process group is `pgid` (from /proc). */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is the state (field 3); the process group is field 5.
      if (Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function faultsOn(stack: StackStateFile, client: Docker): Promise<number> {
  let n = 0;
  const proxies = (await (await fetch(`${stack.toxiproxyUrl}/proxies`)).json()) as Record<
    string,
    { enabled: boolean; toxics: unknown[] }
  >;
  for (const p of Object.values(proxies)) n += p.toxics.length + (p.enabled ? 0 : 1);
  for (const c of stack.containers) {
    const state = await client
      .getContainer(c.id)
      .inspect()
      .then((i) => (i.State.Paused ? "paused" : i.State.Status))
      .catch(() => "missing");
    if (state !== "running") n += 1;
  }
  return n;
}

export async function leftoversOf(
  runId: string,
  opts: { pgid?: number; attached?: StackStateFile; volumesBefore?: ReadonlySet<string> } = {},
  client: Docker = docker(),
): Promise<Leftovers> {
  const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] });
  const labelled = (await client.listVolumes({ filters })).Volumes ?? [];
  // An anonymous volume a container created carries no label: count new ones too.
  const anonymous = opts.volumesBefore
    ? ((await client.listVolumes()).Volumes ?? []).filter(
        (v) => !opts.volumesBefore!.has(v.Name) && !v.Labels?.[LABEL_MANAGED],
      )
    : [];
  return {
    containers: (await client.listContainers({ all: true, filters })).length,
    networks: (await client.listNetworks({ filters })).length,
    volumes: labelled.length + anonymous.length,
    faults: opts.attached ? await faultsOn(opts.attached, client) : 0,
    processes: opts.pgid ? groupMembers(opts.pgid).length : 0,
  };
}

export interface KillCase {
  /** What the row is called ("chaos run --attach"). */
  label: string;
  /** The faultline arguments. */
  args: string[];
  signal: NodeJS.Signals;
  /** Kill when the output matches this, or … */
  when?: RegExp;
  /** … this many milliseconds after the start. */
  atMs?: number;
  /** The command run after the kill (default: `down --all`). */
  next?: string[];
  /** The stack the command attaches to (its state file), whose faults count. */
  attached?: StackStateFile;
  /** The cache directory of the attached stack (so the command finds its state file). */
  cacheDir?: string;
  /** Give up waiting for the moment after this long (default 300 s). */
  deadlineMs?: number;
}

export interface KillResult {
  label: string;
  signal: NodeJS.Signals;
  /** Where it was when killed (or "finished before the kill"). */
  moment: string;
  killedAtMs: number;
  exit: string;
  leftAfterKill: Leftovers;
  next: string;
  leftAfterNext: Leftovers;
  /** The killed run's id: what is left is labelled with it. */
  runId: string;
  output: string;
}

const bin = () => path.join(projectRoot(), "bin", "faultline.mjs");

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [bin(), ...args], {
      cwd: projectRoot(),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    c.stdout.on("data", (d: Buffer) => (out += d.toString()));
    c.stderr.on("data", (d: Buffer) => (out += d.toString()));
    c.on("close", (code) => resolve({ code, out }));
  });
}

/** True once `cond` holds, false when `timeoutMs` passed first. */
async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  return (await pollUntil(cond, (ok) => ok, { timeoutMs, intervalMs: everyMs })).done;
}

/** Runs one case: start, kill at its moment, count, run the next command, count again. */
export async function killOnce(c: KillCase, client: Docker = docker()): Promise<KillResult> {
  const runId = `kill-${randomUUID()}`;
  const cacheDir = c.cacheDir ?? path.join(os.tmpdir(), `faultline-${runId}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FAULTLINE_RUN_ID: runId,
    FAULTLINE_CACHE_DIR: cacheDir,
    TESTCONTAINERS_RYUK_DISABLED: "true",
  };
  delete env.FAULTLINE_PARENT_PID;
  const volumesBefore = new Set(((await client.listVolumes()).Volumes ?? []).map((v) => v.Name));
  const t0 = Date.now();
  // Its own process group, as a shell gives a command: what survives the kill is counted by group.
  const child = spawn(process.execPath, [bin(), ...c.args], {
    cwd: projectRoot(),
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid!;
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  let exit: string | undefined;
  // "exit", not "close": an orphaned child holding the pipes must not hold the count back (it is
  // counted as a process left over instead).
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      exit = signal ?? `exit ${code}`;
      resolve();
    }),
  );
  const deadline = c.deadlineMs ?? 300_000;
  await until(
    () => exit !== undefined || (c.when ? c.when.test(out) : Date.now() - t0 >= (c.atMs ?? 0)),
    c.when ? deadline : (c.atMs ?? 0) + 1000,
    50,
  );
  const killedAtMs = Date.now() - t0;
  const moment = exit !== undefined ? "finished before the kill" : momentOf(out);
  if (exit === undefined) {
    // Ctrl-C reaches the whole foreground group; kill -9 / kill name one process.
    if (c.signal === "SIGINT") process.kill(-pgid, "SIGINT");
    else child.kill(c.signal);
  }
  await exited;
  // Children notice an orphaned state within a second and clean up after themselves.
  await until(() => groupMembers(pgid).length === 0, 60_000, 200);
  const leftAfterKill = await leftoversOf(runId, { pgid, attached: c.attached, volumesBefore }, client);
  const next = c.next ?? ["down", "--all"];
  await runCli(next, { ...env, FAULTLINE_RUN_ID: `next-${runId}` });
  const leftAfterNext = await leftoversOf(runId, { pgid, attached: c.attached, volumesBefore }, client);
  // The bench leaves nothing of its own, whatever the command left.
  for (const pid of groupMembers(pgid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  if (!c.cacheDir) await rm(cacheDir, { recursive: true, force: true });
  return {
    label: c.label,
    signal: c.signal,
    moment,
    killedAtMs,
    exit: exit ?? "?",
    leftAfterKill,
    next: `faultline ${next.join(" ")}`,
    leftAfterNext,
    runId,
    output: out,
  };
}

export interface BenchCommand {
  key: KillCommand;
  label: string;
  args: string[];
  /** Kill moments are drawn from [0, spanMs). */
  spanMs: number;
  attached?: boolean;
  next?: string[];
}

export const KILL_COMMANDS = ["up", "run", "chaos", "chaos-attach", "load"] as const;
export type KillCommand = (typeof KILL_COMMANDS)[number];

/** The commands of the matrix, with the span of moments worth killing them in. */
export function killCommands(o: { scenario: string; load: string; runSpanMs: number }): BenchCommand[] {
  const chaos = ["chaos", "run", o.scenario, "--seed", "1"];
  return [
    { key: "up", label: "up", args: ["up"], spanMs: 25_000 },
    { key: "run", label: "run", args: ["run"], spanMs: o.runSpanMs },
    { key: "chaos", label: `chaos run ${o.scenario}`, args: chaos, spanMs: 60_000 },
    {
      key: "chaos-attach",
      label: `chaos run ${o.scenario} --attach`,
      args: [...chaos, "--attach"],
      spanMs: 45_000,
      attached: true,
      // The next command on that stack: the same run, which first restores the stack.
      next: [...chaos, "--attach"],
    },
    {
      key: "load",
      label: `load run ${o.load}`,
      args: ["load", "run", o.load, "--duration", "20s"],
      spanMs: 40_000,
    },
  ];
}

/**
 * Starts one detached stack (`faultline up`, in the usual cache directory, so every faultline on
 * this machine knows it is recorded) for the attached commands; returns it and its remover.
 */
async function attachedStack(): Promise<{ state: StackStateFile; down: () => Promise<void> }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FAULTLINE_RUN_ID: `kill-stack-${randomUUID()}` };
  delete env.FAULTLINE_PARENT_PID;
  const up = await runCli(["up", "--json"], env);
  if (up.code !== 0) throw new Error(`faultline up for the attached cases failed:\n${up.out}`);
  const state = JSON.parse(up.out.slice(up.out.indexOf("{"))) as StackStateFile;
  return {
    state,
    down: async () => {
      await runCli(["down", "-t", state.target], env);
    },
  };
}

export interface KillBenchRow extends Omit<KillResult, "output" | "runId"> {
  run: number;
}

/** `faultline bench kill`: `runs` cases with commands, signals and moments drawn from `seed`. */
export async function killBench(opts: {
  commands: BenchCommand[];
  runs: number;
  seed: number;
  signals?: NodeJS.Signals[];
  onRow?: (row: KillBenchRow) => void;
}): Promise<{ rows: KillBenchRow[]; leftAfterKill: number; leftAfterNext: number; seed: number }> {
  const random = seededRandom(opts.seed);
  const signals = opts.signals ?? ["SIGKILL", "SIGKILL", "SIGTERM", "SIGINT"];
  // Drawn in order, run grouped: the cases that attach share one stack, started after the others
  // (whose `down --all` must not meet it half-started).
  const plan = Array.from({ length: opts.runs }, (_, i) => {
    const cmd = opts.commands[Math.floor(random() * opts.commands.length)]!;
    const signal = signals[Math.floor(random() * signals.length)]!;
    return { run: i + 1, cmd, signal, atMs: Math.round(random() * cmd.spanMs) };
  });
  const rows: KillBenchRow[] = [];
  const one = async (p: (typeof plan)[number], stack?: { state: StackStateFile; dir: string }) => {
    const {
      output: _o,
      runId: _r,
      ...row
    } = await killOnce({
      label: p.cmd.label,
      args: p.cmd.args,
      signal: p.signal,
      atMs: p.atMs,
      next: p.cmd.next,
      ...(stack ? { attached: stack.state, cacheDir: stack.dir } : {}),
    });
    rows.push({ run: p.run, ...row });
    opts.onRow?.({ run: p.run, ...row });
  };
  for (const p of plan.filter((x) => !x.cmd.attached)) await one(p);
  const attached = plan.filter((x) => x.cmd.attached);
  if (attached.length) {
    const stack = await attachedStack();
    try {
      for (const p of attached) await one(p, { state: stack.state, dir: cacheDir() });
    } finally {
      await stack.down();
    }
  }
  rows.sort((a, b) => a.run - b.run);
  return {
    rows,
    leftAfterKill: rows.reduce((n, r) => n + total(r.leftAfterKill), 0),
    leftAfterNext: rows.reduce((n, r) => n + total(r.leftAfterNext), 0),
    seed: opts.seed,
  };
}
