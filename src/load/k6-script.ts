/**
 * Runs a k6 script (`faultline load run ./script.js`) on the Go runner's embedded JavaScript
 * engine (`loadrunner k6`), as a container on the stack's network. The script's folder travels
 * with it (open() and imports resolve beside the script, as in k6); __ENV carries the stack's
 * addresses as seen inside the network; the per-second lines become the journal's series.
 */
import { chmod, copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { Wait } from "testcontainers";
import { docker, inspectImage } from "../docker-client.ts";
import { joinRunNetwork, managedContainer } from "../env/managed-container.ts";
import type { Manifest } from "../env/manifest.ts";
import { imageRef } from "../images/catalog.ts";
import type { FaultWindow, LoadRun, SecondSample } from "../report/journal.ts";
import { projectRoot } from "../paths.ts";
import { LoadAggregate, type RunnerLine } from "./aggregate.ts";
import { percentiles } from "./histogram.ts";
import {
  DEFAULT_RECOVERY,
  faultWindowFigures,
  secondSample,
  type LiveSecond,
  type LoadStack,
} from "./run-load.ts";
import { streamRunner } from "./runner-stream.ts";

/** k6's command line, as `faultline load run` passes it on. */
export interface K6Options {
  env?: Record<string, string>;
  vus?: number;
  duration?: string;
  iterations?: number;
  /** --out json=FILE (a host path). */
  outJson?: string;
  summaryExport?: string;
  quiet?: boolean;
  signal?: AbortSignal;
  onSecond?: (s: LiveSecond) => void;
  faultWindows?: () => FaultWindow[];
}

export interface K6Result {
  run: LoadRun;
  /** The runner's exit code: 0, 99 (a threshold failed), 104 (bad options), 107 (script error). */
  exitCode: number;
  /** k6's end-of-test summary text. */
  summary: string;
  /** The script's log lines (console.log, iteration errors). */
  logs: string[];
}

export const isK6Script = (name: string) => /\.(m?js)$/.test(name);

/** A script path as given, or `suites/load/<name>`; a missing one is an error naming both. */
export async function resolveK6Script(name: string, root = projectRoot()): Promise<string> {
  const candidates = [path.resolve(name), path.join(root, "suites", "load", name)];
  for (const c of candidates)
    if (
      await stat(c).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return c;
  throw new Error(`k6 script "${name}" not found (looked at ${candidates.join(" and ")})`);
}

const envName = (service: string) => service.toUpperCase().replace(/[^A-Z0-9]/g, "_");

/** __ENV from the stack: BASE_URL (the entrypoint), <SERVICE>_URL and <SERVICE>_GRPC. */
export function stackEnv(m: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, s] of Object.entries(m.services)) {
    env[`${envName(name)}_URL`] = `http://${name}:${s.ports.http}`;
    if (s.ports.grpc) env[`${envName(name)}_GRPC`] = `${name}:${s.ports.grpc}`;
  }
  const entry = m.entrypoint ?? Object.keys(m.services)[0];
  if (entry) env.BASE_URL = `http://${entry}:${m.services[entry]!.ports.http}`;
  return env;
}

function runnerArgs(script: string, stack: Record<string, string>, o: K6Options): string[] {
  const args = ["k6", "--lines"];
  for (const [k, v] of Object.entries(stack)) args.push("--stack-env", `${k}=${v}`);
  for (const [k, v] of Object.entries(o.env ?? {})) args.push("-e", `${k}=${v}`);
  if (o.vus !== undefined) args.push("--vus", String(o.vus));
  if (o.duration !== undefined) args.push("--duration", o.duration);
  if (o.iterations !== undefined) args.push("--iterations", String(o.iterations));
  if (o.outJson) args.push("--out", "json=/out/out.json");
  if (o.summaryExport) args.push("--summary-export", "/out/summary.json");
  args.push(script);
  return args;
}

/** Runs the script against the stack and returns the LoadRun and the runner's exit code. */
export async function runK6Script(stack: LoadStack, file: string, opts: K6Options = {}): Promise<K6Result> {
  const image = imageRef("loadrunner");
  if (!(await inspectImage(image)))
    throw new Error(`The load runner image ${image} is not built (fix: faultline images build loadrunner)`);
  const rel = path.relative(projectRoot(), file);
  const outDir = await mkdtemp(path.join(os.tmpdir(), "faultline-k6-"));
  await chmod(outDir, 0o777);
  const container = await (
    await joinRunNetwork(managedContainer(image), stack.network.name)
  )
    .withName(`${stack.network.name}-k6-${randomBytes(3).toString("hex")}`)
    .withCopyDirectoriesToContainer([{ source: path.dirname(file), target: "/script" }])
    .withBindMounts([{ source: outDir, target: "/out", mode: "rw" }])
    .withCommand(runnerArgs(`/script/${path.basename(file)}`, stackEnv(stack.manifest), opts))
    .withWaitStrategy(Wait.forLogMessage(/"type":"hello"/))
    .start();
  const handle = docker().getContainer(container.getId());
  const onAbort = () => void handle.kill({ signal: "SIGTERM" }).catch(() => undefined);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const lines = new K6Lines(opts.onSecond);
  const logs: string[] = [];
  let exitCode: number;
  try {
    exitCode = await streamRunner(container, handle, (l) => lines.add(l), logs);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    await handle.remove({ force: true }).catch(() => undefined);
  }
  try {
    if (opts.outJson) await copyFile(path.join(outDir, "out.json"), opts.outJson);
    if (opts.summaryExport) await copyFile(path.join(outDir, "summary.json"), opts.summaryExport);
  } finally {
    await rm(outDir, { recursive: true, force: true }).catch(() => undefined);
  }
  if (lines.errors.length > 0) logs.push(...lines.errors);
  const interrupted = opts.signal?.aborted ?? false;
  const run = lines.toRun(rel, exitCode, interrupted, opts.faultWindows?.() ?? []);
  return { run, exitCode, summary: lines.summary, logs };
}

/** Folds the runner's lines of a k6 run. */
class K6Lines {
  readonly series: SecondSample[] = [];
  readonly samples: { line: RunnerLine; sample: SecondSample }[] = [];
  readonly agg = new LoadAggregate([]);
  readonly thresholds: LoadRun["thresholds"] = [];
  readonly errors: string[] = [];
  metrics: LoadRun["metrics"] = {};
  summary = "";
  startedAt?: string;
  final?: RunnerLine;

  constructor(private readonly onSecond?: (s: LiveSecond) => void) {}

  add(line: RunnerLine): void {
    switch (line.type) {
      case "start":
        this.startedAt = line.t;
        break;
      case "second": {
        this.agg.add(line);
        const s = secondSample(line);
        this.series.push(s);
        this.samples.push({ line, sample: s });
        this.onSecond?.({
          second: line.second ?? this.series.length,
          t: s.t,
          requests: s.requests,
          rps: s.requests,
          p95Ms: s.latencyMs?.p95 ?? null,
          errors: s.fail + s.unknown,
          dropped: s.dropped,
          vus: s.vus ?? 0,
        });
        break;
      }
      case "summary":
        this.summary = line.message ?? "";
        break;
      case "threshold": {
        const [metric, expression, observed, ok, abort] = (line.message ?? "").split("\t");
        this.thresholds.push({
          metric: metric!,
          expression: expression!,
          observed: Number(observed),
          ok: ok === "true",
          abortOnFail: abort === "true",
        });
        break;
      }
      case "metrics":
        this.metrics = line.metrics ?? {};
        break;
      case "final":
        this.final = line;
        break;
      case "error":
        this.errors.push(`${line.phase}: ${line.message}`);
        break;
      case "hello":
        break;
    }
  }

  toRun(file: string, exitCode: number, interrupted: boolean, faultWindows: FaultWindow[]): LoadRun {
    const endedAt = this.final?.t ?? new Date().toISOString();
    const failed = this.thresholds.filter((t) => !t.ok);
    const status: LoadRun["status"] = interrupted
      ? "interrupted"
      : exitCode === 0
        ? "passed"
        : exitCode === 99 && this.final?.reason === "stopped"
          ? "aborted"
          : "failed";
    const detail =
      exitCode === 0
        ? `${this.thresholds.length} thresholds held`
        : failed.length > 0
          ? `${failed.length} of ${this.thresholds.length} thresholds failed: ${failed.map((t) => `${t.metric} ${t.expression} (observed ${t.observed})`).join("; ")}`
          : `the k6 runner exited with code ${exitCode}${this.errors.length ? `: ${this.errors.join("; ")}` : ""}`;
    const run: LoadRun = {
      name: path.basename(file),
      file,
      executor: "k6",
      startedAt: this.startedAt ?? endedAt,
      endedAt,
      status,
      detail,
      series: this.series,
      requests: [...this.agg.byName.entries()].map(([name, e]) => ({
        name,
        protocol: e.protocol,
        count: e.requests,
        failed: e.fail + e.unknown,
        latencyMs: percentiles(e.hist),
      })),
      thresholds: this.thresholds,
      metrics: this.metrics,
      faultWindows,
    };
    // As a chaos scenario's workload: before / during / after the faults and the time to recover,
    // as for a declarative load scenario.
    if (faultWindows.length > 0) {
      const w = faultWindowFigures(this.samples, faultWindows, endedAt, DEFAULT_RECOVERY);
      run.windows = w.windows;
      run.recoveryMs = w.recoveryMs;
    }
    return run;
  }
}
