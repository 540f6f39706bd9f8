/**
 * Runs a load scenario: the Go runner (faultline/loadrunner) as a container on the stack's
 * network, addressing services by name; its per-second lines are streamed, merged, checked
 * against the thresholds (abortOnFail stops the run) and written as a LoadRun.
 */
import { randomBytes } from "node:crypto";
import { Wait, type StartedTestContainer } from "testcontainers";
import { docker, inspectImage } from "../docker-client.ts";
import { joinRunNetwork, managedContainer } from "../env/managed-container.ts";
import type { Manifest } from "../env/manifest.ts";
import { imageRef } from "../images/catalog.ts";
import type { FaultWindow, LoadRun, SecondSample } from "../report/journal.ts";
import { LoadAggregate, type RunnerLine } from "./aggregate.ts";
import { streamRunner } from "./runner-stream.ts";
import { decodeHistogram, emptyHistogram, percentileMs, percentiles } from "./histogram.ts";
import { scenarioMetrics, toPlan, validateScenario, type LoadScenario } from "./scenario.ts";
import { evaluateThresholds, type ThresholdResult } from "./thresholds.ts";

/** What runLoad needs of a stack: a StartedStack, or a detached one (`faultline up`). */
export interface LoadStack {
  manifest: Manifest;
  network: { name: string };
}

/** How close to the before window p95 and the error rate must come back to count as recovered. */
export interface RecoveryTolerance {
  /** p95 may be at most this factor of the before window's p95 ... */
  p95Factor: number;
  /** ... plus this many milliseconds. */
  p95SlackMs: number;
  /** The error rate may exceed the before window's by at most this (absolute). */
  errorRateSlack: number;
}

export const DEFAULT_RECOVERY: RecoveryTolerance = { p95Factor: 1.5, p95SlackMs: 20, errorRateSlack: 0.01 };

/** One second as the live display shows it. */
export interface LiveSecond {
  second: number;
  t: string;
  requests: number;
  rps: number;
  p95Ms: number | null;
  errors: number;
  dropped: number;
  vus: number;
}

export interface RunLoadOptions {
  profile?: string;
  durationS?: number;
  /** Nominal rate (iterations/s) the profile scales from; overrides the scenario's. */
  rate?: number;
  /** The chaos engine's fault windows, read once the load has ended. */
  faultWindows?: () => FaultWindow[];
  signal?: AbortSignal;
  onSecond?: (s: LiveSecond) => void;
  recovery?: RecoveryTolerance;
}

/** The target did not answer before any load was sent. */
export class LoadSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadSetupError";
  }
}

interface Sample {
  line: RunnerLine;
  sample: SecondSample;
}

const failed = (s: SecondSample) => s.fail + s.unknown;

/** One "second" line of the runner as the journal's sample. */
export function secondSample(line: RunnerLine): SecondSample {
  const h = line.latency ? decodeHistogram(line.latency) : undefined;
  return {
    t: line.t!,
    requests: line.requests ?? 0,
    ok: line.ok ?? 0,
    fail: line.fail ?? 0,
    unknown: line.unknown ?? 0,
    dropped: line.dropped ?? 0,
    codes: line.codes ?? {},
    latencyMs: h ? percentiles(h) : undefined,
    bytesIn: line.bytesIn ?? 0,
    bytesOut: line.bytesOut ?? 0,
    vus: line.vus,
  };
}

export async function runLoad(
  stack: LoadStack,
  scenario: LoadScenario,
  opts: RunLoadOptions = {},
): Promise<LoadRun> {
  const parsed = validateScenario(scenario);
  const { plan, profile } = await toPlan(scenario, stack.manifest, opts);
  const image = imageRef("loadrunner");
  if (!(await inspectImage(image)))
    throw new Error(`The load runner image ${image} is not built (fix: faultline images build loadrunner)`);
  if (opts.signal?.aborted) throw new Error("load run interrupted before it started");

  const name = `${stack.network.name}-load-${randomBytes(3).toString("hex")}`;
  const container: StartedTestContainer = await (
    await joinRunNetwork(managedContainer(image), stack.network.name)
  )
    .withName(name)
    .withCopyContentToContainer([{ content: JSON.stringify(plan), target: "/plan.json", mode: 0o444 }])
    .withCommand(["-plan", "/plan.json"])
    .withWaitStrategy(Wait.forLogMessage(/"type":"hello"/))
    .start();
  const handle = docker().getContainer(container.getId());

  const samples: Sample[] = [];
  const metrics = scenarioMetrics(scenario);
  const rates = scenario.rates ?? {};
  let agg: LoadAggregate | undefined;
  let startedAt: string | undefined;
  let final: RunnerLine | undefined;
  let setupError: string | undefined;
  let abortedBy: ThresholdResult | undefined;
  let interrupted = false;
  const otherOutput: string[] = [];
  const stop = () => handle.kill({ signal: "SIGTERM" }).catch(() => undefined);
  const onAbort = () => {
    interrupted = true;
    void stop();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const onLine = (line: RunnerLine) => {
    switch (line.type) {
      case "start":
        startedAt = line.t;
        agg = new LoadAggregate(line.kinds ?? []);
        break;
      case "error":
        if (line.phase === "setup") setupError = line.message;
        else otherOutput.push(`${line.phase}: ${line.message}`);
        break;
      case "final":
        final = line;
        break;
      case "second": {
        agg ??= new LoadAggregate([]);
        agg.add(line);
        const sample = secondSample(line);
        samples.push({ line, sample });
        opts.onSecond?.({
          second: line.second ?? samples.length,
          t: sample.t,
          requests: sample.requests,
          rps: sample.requests,
          p95Ms: sample.latencyMs?.p95 ?? null,
          errors: failed(sample),
          dropped: sample.dropped,
          vus: sample.vus ?? 0,
        });
        // abortOnFail thresholds, each after its delayAbortEval.
        const elapsedMs = samples.length * 1000;
        const due = parsed.filter((t) => t.abortOnFail && elapsedMs >= t.delayAbortEvalMs);
        if (due.length > 0 && !abortedBy) {
          const res = evaluateThresholds(due, agg.reader(rates, samples.length));
          abortedBy = res.find((r) => !r.ok);
          if (abortedBy) void stop();
        }
        break;
      }
      case "hello":
        break;
    }
  };

  let exitCode: number;
  try {
    exitCode = await streamRunner(container, handle, onLine, otherOutput);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    await handle.remove({ force: true }).catch(() => undefined);
  }

  if (setupError !== undefined || exitCode === 3)
    throw new LoadSetupError(
      `${scenario.file}: setup failed, no load was sent: ${setupError ?? otherOutput.join("; ")}`,
    );
  if (exitCode !== 0 || !final) {
    if (interrupted && agg) {
      // SIGTERM before the final line was read: still report what was measured.
    } else
      throw new Error(
        `${scenario.file}: the load runner exited with code ${exitCode}${otherOutput.length ? `: ${otherOutput.join("; ")}` : ""}`,
      );
  }

  const aggregate = agg ?? new LoadAggregate([]);
  const durationS = final?.durationS ?? samples.length;
  const read = aggregate.reader(rates, durationS);
  const thresholds = evaluateThresholds(parsed, read);
  const endedAt = final?.t ?? new Date().toISOString();
  const faultWindows = opts.faultWindows?.() ?? [];
  const series = samples.map((s) => s.sample);
  const requests = [...aggregate.byName.entries()].map(([n, e]) => ({
    name: n,
    protocol: e.protocol,
    count: e.requests,
    failed: e.fail + e.unknown,
    latencyMs: percentiles(e.hist),
  }));
  const failedThresholds = thresholds.filter((t) => !t.ok);
  const status: LoadRun["status"] = interrupted
    ? "interrupted"
    : failedThresholds.length > 0
      ? "failed"
      : "passed";
  const detail = abortedBy
    ? `stopped early: threshold ${abortedBy.metric} ${abortedBy.expression} crossed (abortOnFail; observed ${abortedBy.observed})`
    : failedThresholds.length > 0
      ? `${failedThresholds.length} of ${thresholds.length} thresholds failed: ${failedThresholds.map((t) => `${t.metric} ${t.expression} (observed ${t.observed})`).join("; ")}`
      : interrupted
        ? "interrupted"
        : `${thresholds.length} thresholds held`;
  const run: LoadRun = {
    name: scenario.name,
    file: scenario.file,
    profile,
    executor: plan.executor.type,
    startedAt: startedAt ?? endedAt,
    endedAt,
    status,
    detail,
    series,
    requests,
    thresholds: thresholds.map((t) => ({ ...t })),
    metrics: aggregate.summary(metrics, rates, durationS),
    faultWindows,
  };
  if (faultWindows.length > 0) {
    const w = faultWindowFigures(samples, faultWindows, endedAt, opts.recovery ?? DEFAULT_RECOVERY);
    run.windows = w.windows;
    run.recoveryMs = w.recoveryMs;
  }
  return run;
}

/**
 * Before / during / after figures around the fault windows, and the time to recover: from the
 * last heal to the start of the first second after it from which p95 and the error rate stay
 * within the tolerance of the before window (null when they never do).
 */
export function faultWindowFigures(
  samples: readonly { line: RunnerLine; sample: SecondSample }[],
  windows: readonly FaultWindow[],
  endedAt: string,
  tol: RecoveryTolerance,
): { windows: NonNullable<LoadRun["windows"]>; recoveryMs: number | null } {
  const ms = (s: string) => new Date(s).getTime();
  const start = Math.min(...windows.map((w) => ms(w.start)));
  const heal = Math.max(...windows.map((w) => ms(w.end ?? endedAt)));
  // A sample covers [t, t+1s): it belongs to "before" only if it ended before the first fault.
  const before = samples.filter((s) => ms(s.sample.t) + 1000 <= start);
  const during = samples.filter((s) => ms(s.sample.t) + 1000 > start && ms(s.sample.t) < heal);
  const after = samples.filter((s) => ms(s.sample.t) >= heal);
  const figures = (xs: typeof samples) => {
    const req = xs.reduce((a, s) => a + s.sample.requests, 0);
    const fail = xs.reduce((a, s) => a + failed(s.sample), 0);
    const h = emptyHistogram();
    for (const s of xs) if (s.line.latency) h.add(decodeHistogram(s.line.latency));
    return {
      rps: xs.length ? req / xs.length : 0,
      errorRate: req ? fail / req : 0,
      p95: h.totalCount ? percentileMs(h, 95) : null,
    };
  };
  const b = figures(before);
  let recoveryMs: number | null = null;
  const within = (s: SecondSample) => {
    const errRate = s.requests ? failed(s) / s.requests : 0;
    const p95 = s.latencyMs?.p95;
    const p95Ok = b.p95 === null || p95 === undefined || p95 <= b.p95 * tol.p95Factor + tol.p95SlackMs;
    return s.requests > 0 && p95Ok && errRate <= b.errorRate + tol.errorRateSlack;
  };
  for (let i = 0; i < after.length; i++) {
    if (after.slice(i).every((s) => within(s.sample))) {
      recoveryMs = Math.max(0, ms(after[i]!.sample.t) - heal);
      break;
    }
  }
  return { windows: { before: b, during: figures(during), after: figures(after) }, recoveryMs };
}
