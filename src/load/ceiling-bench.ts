/**
 * The load runner's own ceiling against wrk (Debian's package) on the cheapest endpoint, in one
 * run on one machine: wrk, the declarative runner (a load plan, closed model) and the scripted
 * runner (a minimal k6 script, suites/load/k6/ceiling.js) side by side, with the same
 * connections and duration, each measured `repeats` times in turns and reported as the median;
 * then how closely the open model holds a requested rate. All three are host processes inside
 * the gateway container's network namespace (nsenter), so none crosses Docker's userland port
 * proxy and all reach the service the same way.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { docker } from "../docker-client.ts";
import { loadManifest } from "../env/manifest.ts";
import { Environment } from "../env/stack.ts";
import { cacheDir, projectRoot } from "../paths.ts";
import { median } from "../statistics.ts";
import type { RunnerLine } from "./aggregate.ts";
import { decodeHistogram, percentileMs } from "./histogram.ts";
import type { RunnerPlan } from "./plan.ts";

const exec = promisify(execFile);

/** The declarative runner must reach this share of wrk's requests per second. */
export const CEILING_GOAL = 0.8;

export type CeilingEngine = "wrk" | "declarative" | "scripted";

/** One measurement of one engine. */
export interface CeilingSample {
  rps: number;
  requests: number;
  seconds: number;
  /** Answers that were not 2xx/3xx plus requests without an answer. */
  errors: number;
  p50Ms?: number;
  p99Ms?: number;
  /** `uptime`'s 1-minute load average right after the measurement (2 cores shared here). */
  loadAverage1m: number;
}

export interface CeilingEngineResult {
  engine: CeilingEngine;
  /** What ran, as a command line. */
  command: string;
  /** Median of the samples. */
  rps: number;
  /** rps / wrk's rps. */
  ratio: number;
  p50Ms?: number;
  p99Ms?: number;
  errors: number;
  samples: CeilingSample[];
}

export interface OpenModelRow {
  requested: number;
  achieved: number;
  ratio: number;
  dropped: number;
  /** Latency from each iteration's scheduled time (no coordinated omission). */
  p50Ms?: number;
  p99Ms?: number;
  loadAverage1m: number;
}

export interface CeilingResult {
  endpoint: string;
  seconds: number;
  connections: number;
  repeats: number;
  engines: CeilingEngineResult[];
  /** The declarative runner against wrk: at least `ratio` is the goal. */
  goal: { ratio: number; declarativeRatio: number; held: boolean };
  openModel: OpenModelRow[];
  loadAverage: { before: number[]; after: number[] };
  method: string;
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;

const durationMs = (value: string, unit: string): number =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? NaN);

/** Reads wrk's output (with --latency): requests per second, counts, errors, p50 and p99. */
export function parseWrk(stdout: string): Omit<CeilingSample, "loadAverage1m"> {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(stdout);
  if (!Number.isFinite(rps) || !done) throw new Error(`cannot read wrk's output:\n${stdout}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(stdout);
    return m ? round(durationMs(m[1]!, m[2]!), 3) : undefined;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0;
  return {
    rps,
    requests: Number(done[1]),
    seconds: durationMs(done[2]!, done[3]!) / 1000,
    errors: non2xx + socketErrors,
    p50Ms: pct("50"),
    p99Ms: pct("99"),
  };
}

/** A runner's final line as a sample (requests over the run's own duration). */
export function runnerSample(final: RunnerLine, seconds: number, loadAverage1m: number): CeilingSample {
  const h = final.latency ? decodeHistogram(final.latency) : undefined;
  const durationS = final.durationS ?? seconds;
  const requests = final.requests ?? 0;
  return {
    rps: requests / durationS,
    requests,
    seconds: durationS,
    errors: (final.fail ?? 0) + (final.unknown ?? 0),
    p50Ms: h && h.totalCount > 0 ? percentileMs(h, 50) : undefined,
    p99Ms: h && h.totalCount > 0 ? percentileMs(h, 99) : undefined,
    loadAverage1m,
  };
}

/** Medians of each engine's samples, each engine's ratio to wrk, and the goal. */
export function summarizeCeiling(
  runs: { engine: CeilingEngine; command: string; samples: CeilingSample[] }[],
): { engines: CeilingEngineResult[]; goal: CeilingResult["goal"] } {
  const med = (xs: (number | undefined)[]) => {
    const ys = xs.filter((x): x is number => x !== undefined);
    return ys.length ? round(median(ys), 3) : undefined;
  };
  const wrkRps = median(runs.find((r) => r.engine === "wrk")?.samples.map((s) => s.rps) ?? []);
  const engines = runs.map((r): CeilingEngineResult => {
    const rps = median(r.samples.map((s) => s.rps));
    return {
      engine: r.engine,
      command: r.command,
      rps: round(rps),
      ratio: round(rps / wrkRps, 3),
      p50Ms: med(r.samples.map((s) => s.p50Ms)),
      p99Ms: med(r.samples.map((s) => s.p99Ms)),
      errors: r.samples.reduce((a, s) => a + s.errors, 0),
      samples: r.samples.map((s) => ({ ...s, rps: round(s.rps) })),
    };
  });
  const declarativeRatio = engines.find((e) => e.engine === "declarative")?.ratio ?? 0;
  return { engines, goal: { ratio: CEILING_GOAL, declarativeRatio, held: declarativeRatio >= CEILING_GOAL } };
}

const LABELS: Record<CeilingEngine, string> = {
  wrk: "wrk",
  declarative: "declarative runner",
  scripted: "scripted runner (k6 script)",
};

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMs = (ms: number | undefined) => (ms === undefined ? "-" : `${ms} ms`);

/** The side-by-side table: one row per engine, then the open model's rows. */
export function ceilingTables(r: CeilingResult): {
  engines: { header: string[]; rows: string[][] };
  openModel: { header: string[]; rows: string[][] };
} {
  return {
    engines: {
      header: [
        "engine",
        `req/s (median of ${r.repeats})`,
        "x wrk",
        "p50",
        "p99",
        "errors",
        "each run: req/s @ load average 1m",
      ],
      rows: r.engines.map((e) => [
        LABELS[e.engine],
        fmtInt(e.rps),
        e.ratio.toFixed(2),
        fmtMs(e.p50Ms),
        fmtMs(e.p99Ms),
        String(e.errors),
        e.samples.map((s) => `${fmtInt(s.rps)} @ ${s.loadAverage1m.toFixed(2)}`).join(", "),
      ]),
    },
    openModel: {
      header: ["open model: requested/s", "achieved/s", "ratio", "dropped", "p50", "p99", "load average 1m"],
      rows: r.openModel.map((o) => [
        fmtInt(o.requested),
        fmtInt(o.achieved),
        o.ratio.toFixed(3),
        String(o.dropped),
        fmtMs(o.p50Ms),
        fmtMs(o.p99Ms),
        o.loadAverage1m.toFixed(2),
      ]),
    },
  };
}

/** The goal's line under the table. */
export function ceilingVerdict(r: CeilingResult): string {
  const held = r.goal.held ? "held" : "NOT held";
  return `declarative runner at ${r.goal.declarativeRatio.toFixed(2)}x wrk: goal >= ${r.goal.ratio}x ${held}`;
}

/** Fails with how to install wrk when it is not on PATH. */
export async function requireWrk(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await exec("wrk", ["--version"], { env }).catch((e: { code?: string | number }) => {
    if (e.code === "ENOENT")
      throw new Error(
        "bench ceiling needs wrk, which is not installed (fix: apt-get install -y wrk, or bash scripts/setup.sh, which installs every package of scripts/system-packages.tsv)",
      );
    // wrk --version prints its version and exits 1: it is there.
  });
}

async function hostRunner(): Promise<string> {
  const out = path.join(cacheDir(), "go-bin", "loadrunner-host");
  await mkdir(path.dirname(out), { recursive: true });
  await exec("go", ["build", "-trimpath", "-o", out, "./cmd/loadrunner"], {
    cwd: path.join(projectRoot(), "tools", "loadrunner"),
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  return out;
}

/** Runs the runner (args) in the namespace, with stdin; returns its final line. */
function runIn(pid: number, bin: string, args: string[], stdin = ""): Promise<RunnerLine> {
  return new Promise((resolve, reject) => {
    const p = spawn("nsenter", ["-t", String(pid), "-n", "--", bin, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr.on("data", (c: Buffer) => (err += c.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const final = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as RunnerLine)
        .find((l) => l.type === "final");
      if (code !== 0 || !final) reject(new Error(`loadrunner exited ${code}: ${err.trim()}`));
      else resolve(final);
    });
    p.stdin.end(stdin);
  });
}

const load1m = () => round(os.loadavg()[0]!, 2);

export async function ceilingBench(opts: {
  target: string;
  seconds?: number;
  connections?: number;
  repeats?: number;
  log?: (l: string) => void;
}): Promise<CeilingResult> {
  const log = opts.log ?? (() => {});
  if (process.getuid?.() !== 0)
    throw new Error("bench ceiling enters the gateway's network namespace with nsenter: run it as root");
  await requireWrk();
  const seconds = opts.seconds ?? 10;
  const connections = opts.connections ?? 32;
  const repeats = opts.repeats ?? 3;
  const bin = await hostRunner();
  const script = path.join(projectRoot(), "suites", "load", "k6", "ceiling.js");
  const manifest = await loadManifest(opts.target, projectRoot());
  await using stack = await new Environment(manifest).start();
  const entry = manifest.entrypoint ?? Object.keys(manifest.services)[0]!;
  const pid = (await docker().getContainer(`${stack.network.name}-${entry}`).inspect()).State.Pid;
  const port = manifest.services[entry]!.ports.http;
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/healthz`;
  const before = os.loadavg().map((x) => round(x, 2));

  const wrkArgs = ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", url];
  const plan: RunnerPlan = {
    executor: { type: "constant-vus", vus: connections, duration: `${seconds}s` },
    requests: [{ name: "healthz", url }],
  };
  const k6Args = [
    "k6",
    "--lines",
    "--quiet",
    "--vus",
    String(connections),
    "--duration",
    `${seconds}s`,
    "-e",
    `BASE_URL=${base}`,
    script,
  ];
  const runs: { engine: CeilingEngine; command: string; samples: CeilingSample[] }[] = [
    { engine: "wrk", command: `wrk ${wrkArgs.join(" ")}`, samples: [] },
    {
      engine: "declarative",
      command: `loadrunner -plan - (constant-vus ${connections} for ${seconds}s, GET ${url})`,
      samples: [],
    },
    {
      engine: "scripted",
      command: `loadrunner ${k6Args.join(" ").replace(script, path.relative(projectRoot(), script))}`,
      samples: [],
    },
  ];
  const [wrkRun, declarative, scripted] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  for (let i = 1; i <= repeats; i++) {
    log(
      `run ${i} of ${repeats}: wrk, then the declarative runner, then the scripted runner, ${seconds} s each ...`,
    );
    const wrk = await exec("nsenter", ["-t", String(pid), "-n", "--", "wrk", ...wrkArgs]);
    wrkRun.samples.push({ ...parseWrk(wrk.stdout), loadAverage1m: load1m() });
    const closed = await runIn(pid, bin, ["-plan", "-"], JSON.stringify(plan));
    declarative.samples.push(runnerSample(closed, seconds, load1m()));
    const k6 = await runIn(pid, bin, k6Args);
    scripted.samples.push(runnerSample(k6, seconds, load1m()));
    log(
      `  wrk ${round(wrkRun.samples.at(-1)!.rps)}/s, declarative ${round(declarative.samples.at(-1)!.rps)}/s, ` +
        `scripted ${round(scripted.samples.at(-1)!.rps)}/s (load average 1m ${load1m()})`,
    );
  }
  const { engines, goal } = summarizeCeiling(runs);

  const openModel: OpenModelRow[] = [];
  const ceiling = engines.find((e) => e.engine === "declarative")!.rps;
  // At the closed model's own ceiling there is no headroom left: 80% of it shows whether the
  // open model holds a rate the system can serve.
  for (const rate of [100, 1000, Math.floor(0.8 * ceiling), Math.floor(ceiling)]) {
    log(`declarative runner constant-arrival-rate ${rate}/s for ${seconds}s ...`);
    const openPlan: RunnerPlan = {
      executor: {
        type: "constant-arrival-rate",
        rate,
        duration: `${seconds}s`,
        preAllocatedVUs: connections,
        maxVUs: 4 * connections,
      },
      requests: [{ name: "healthz", url }],
    };
    const f = await runIn(pid, bin, ["-plan", "-"], JSON.stringify(openPlan));
    const s = runnerSample(f, seconds, load1m());
    const achieved = (f.requests ?? 0) / seconds;
    openModel.push({
      requested: rate,
      achieved: round(achieved),
      ratio: round(achieved / rate, 3),
      dropped: f.dropped ?? 0,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      loadAverage1m: s.loadAverage1m,
    });
  }
  return {
    endpoint: `${entry} GET /healthz`,
    seconds,
    connections,
    repeats,
    engines,
    goal,
    openModel,
    loadAverage: { before, after: os.loadavg().map((x) => round(x, 2)) },
    method:
      `${repeats} runs, each: wrk (2 threads, ${connections} connections), then the declarative runner (closed model, ${connections} VUs), ` +
      `then the scripted runner (suites/load/k6/ceiling.js, --vus ${connections}), ${seconds} s each; medians reported. ` +
      `All three are host processes in the ${entry} container's network namespace (nsenter -n), same endpoint, one stack; ` +
      `the runners use GOMAXPROCS = the machine's cores, wrk 2 threads. ` +
      `Open model: constant-arrival-rate at 100/s, 1,000/s, 80% of the declarative runner's median and that median, achieved = requests sent / duration, ` +
      `latency from each iteration's scheduled time.`,
  };
}
