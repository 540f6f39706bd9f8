import type { Command } from "commander";
import { compareWithBaseline, readBaseline } from "../load/baseline.ts";
import { runLoad, type LiveSecond } from "../load/run-load.ts";
import { profile as findProfile } from "../load/profiles.ts";
import { listLoadScenarios, loadScenario } from "../load/scenario.ts";
import { isK6Script } from "../load/k6-script.ts";
import { formatSummary } from "../load/summary.ts";
import { parseDurationMs } from "../load/thresholds.ts";
import { collect, runK6Command, type K6RunOpts } from "./load-k6.ts";
import { onLoadStack, writeLoadReport } from "./load-stack.ts";
import { printTable } from "./output.ts";
import { targetOption } from "./target-option.ts";

/** k6's exit code for a failed threshold. */
export const THRESHOLD_FAILED_EXIT = 99;

interface RunOpts {
  target: string;
  profile?: string;
  duration?: string;
  rate?: string;
  attach?: boolean;
  baseline?: string;
  json?: boolean;
}

function live(s: LiveSecond): void {
  process.stderr.write(
    `  ${String(s.second).padStart(4)}s  ${String(s.rps).padStart(6)} req/s  p95 ${s.p95Ms === null ? "-" : `${s.p95Ms.toFixed(1)} ms`}  errors ${s.errors}  dropped ${s.dropped}  vus ${s.vus}\n`,
  );
}

function durationS(d: string | undefined): number | undefined {
  if (d === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(d) ? Number(d) * 1000 : parseDurationMs(d);
  if (!ms || ms <= 0) throw new Error(`--duration "${d}": give seconds or a duration such as 30s, 5m`);
  return ms / 1000;
}

export function registerLoadCommands(program: Command): void {
  const load = program
    .command("load")
    .description("load scenarios (suites/load): k6-style executors, profiles, thresholds");

  load
    .command("list")
    .description("the load scenarios and their default profile")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const rows = [];
      for (const name of await listLoadScenarios()) {
        const s = await loadScenario(name);
        rows.push({ name, profile: s.profile, rate: s.rate, file: s.file, description: s.description });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else
        printTable(
          ["name", "profile", "rate/s", "description"],
          rows.map((r) => [r.name, r.profile, String(r.rate), r.description]),
        );
    });

  load
    .command("run <name>")
    .description(
      `run a load scenario, or a k6 script (a .js file: the k6 API on the Go runner); exits ${THRESHOLD_FAILED_EXIT} when a threshold fails or the baseline regressed`,
    )
    .addOption(targetOption())
    .option("--profile <name>", "smoke, average, stress, spike, soak (default: the scenario's)")
    .option("--duration <d>", "total duration, e.g. 30s, 5m (the profile keeps its shape)")
    .option("--rate <n>", "nominal rate in iterations/s the profile scales from")
    .option("--attach", "use the stack started with faultline up instead of starting one")
    .option("--baseline <run-id|file>", "compare p95, throughput and error rate with an earlier run")
    .option("--json", "print the summary as JSON")
    .option(
      "-e, --env <KEY=VALUE>",
      "k6 scripts: a value in __ENV (repeatable; overrides the stack's)",
      collect,
    )
    .option("--vus <n>", "k6 scripts: VUs (replaces the script's scenarios, as k6)")
    .option("--iterations <n>", "k6 scripts: total iterations")
    .option("--out <json=FILE>", "k6 scripts: every sample as k6's JSON lines", collect)
    .option("--summary-export <file>", "k6 scripts: the end-of-test summary as JSON")
    .option("--quiet", "k6 scripts: no end-of-test summary")
    .action(async (name: string, opts: RunOpts & K6RunOpts) => {
      if (isK6Script(name)) return runK6Command(name, opts, live);
      const scenario = await loadScenario(name);
      const rate = opts.rate === undefined ? undefined : Number(opts.rate);
      if (rate !== undefined && !(rate > 0))
        throw new Error(`--rate "${opts.rate}": a positive number of iterations per second`);
      // Every option is checked before a stack is started.
      if (opts.profile) findProfile(opts.profile, "--profile");
      const seconds = durationS(opts.duration);
      const baseline = opts.baseline ? await readBaseline(opts.baseline, scenario.name) : undefined;
      const {
        id,
        startedAt,
        result: run,
        timings,
      } = await onLoadStack(opts, !opts.json, (stack) =>
        runLoad(stack, scenario, {
          profile: opts.profile,
          durationS: seconds,
          rate,
          onSecond: opts.json ? undefined : live,
        }),
      );
      if (baseline) run.baseline = compareWithBaseline(run, baseline);
      const regressed = run.baseline?.comparisons.some((c) => !c.ok) ?? false;
      if (regressed && run.status === "passed") {
        run.status = "failed";
        run.detail = `regression against run ${baseline!.runId}: ${run
          .baseline!.comparisons.filter((c) => !c.ok)
          .map((c) => `${c.figure} ${c.current.toFixed(3)} vs ${c.baseline.toFixed(3)}`)
          .join("; ")}`;
      }
      const rel = await writeLoadReport({
        id,
        target: opts.target,
        command: `faultline load run ${name}`,
        startedAt,
        run,
        timings,
      });
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify(
            {
              runId: id,
              reportDir: rel,
              status: run.status,
              thresholds: run.thresholds.map(({ metric, expression, observed, ok }) => ({
                metric,
                expression,
                observed,
                ok,
              })),
              metrics: run.metrics,
              baseline: run.baseline,
            },
            null,
            2,
          )}\n`,
        );
      } else process.stdout.write(formatSummary(run, rel));
      process.exitCode =
        run.status === "passed" ? 0 : run.status === "interrupted" ? 130 : THRESHOLD_FAILED_EXIT;
    });
}
