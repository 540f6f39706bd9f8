/** `faultline load run ./script.js`: a k6 script on the runner's JavaScript engine. */
import path from "node:path";
import { resolveK6Script, runK6Script } from "../load/k6-script.ts";
import type { LiveSecond } from "../load/run-load.ts";
import { onLoadStack, writeLoadReport } from "./load-stack.ts";

export interface K6RunOpts {
  target: string;
  attach?: boolean;
  json?: boolean;
  env?: string[];
  vus?: string;
  duration?: string;
  iterations?: string;
  out?: string[];
  summaryExport?: string;
  quiet?: boolean;
}

/** Collects a repeatable option. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} "${v}": give a whole number of at least 1`);
  return n;
}

function envPairs(list: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf("=");
    if (i < 1) throw new Error(`-e "${kv}": write KEY=VALUE`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

function outJson(list: string[] = []): string | undefined {
  let file: string | undefined;
  for (const o of list) {
    if (!o.startsWith("json=") || o.length === 5)
      throw new Error(`--out "${o}": faultline's k6 runner writes json=FILE only`);
    file = path.resolve(o.slice(5));
  }
  return file;
}

export async function runK6Command(
  name: string,
  opts: K6RunOpts,
  live: (s: LiveSecond) => void,
): Promise<void> {
  // Every option is checked before a stack is started.
  const file = await resolveK6Script(name);
  const k6 = {
    env: envPairs(opts.env),
    vus: positive("--vus", opts.vus),
    iterations: positive("--iterations", opts.iterations),
    duration: opts.duration,
    outJson: outJson(opts.out),
    summaryExport: opts.summaryExport ? path.resolve(opts.summaryExport) : undefined,
    quiet: opts.quiet,
  };
  const progress = !opts.json && !opts.quiet;
  const { id, startedAt, result, timings } = await onLoadStack(opts, progress, (stack) =>
    runK6Script(stack, file, { ...k6, onSecond: progress ? live : undefined }),
  );
  for (const l of result.logs) process.stderr.write(`${l}\n`);
  const rel = await writeLoadReport({
    id,
    target: opts.target,
    command: `faultline load run ${name}`,
    startedAt,
    run: result.run,
    timings,
  });
  if (opts.json) {
    const { status, thresholds, metrics } = result.run;
    process.stdout.write(
      `${JSON.stringify({ runId: id, reportDir: rel, status, exitCode: result.exitCode, thresholds, metrics }, null, 2)}\n`,
    );
  } else {
    if (!opts.quiet) process.stdout.write(result.summary);
    process.stdout.write(`report: ${rel}\n`);
  }
  process.exitCode = result.exitCode;
}
