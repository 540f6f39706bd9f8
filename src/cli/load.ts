import path from "node:path";
import type { Command } from "commander";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { loadManifest } from "../env/manifest.ts";
import { runId, reportRunId } from "../env/run-labels.ts";
import { Environment } from "../env/stack.ts";
import { readStackState, apartFromDetachedStacks } from "../env/stack-state.ts";
import { compareWithBaseline, readBaseline } from "../load/baseline.ts";
import { runLoad, type LiveSecond, type LoadStack } from "../load/run-load.ts";
import { profile as findProfile } from "../load/profiles.ts";
import { listLoadScenarios, loadScenario } from "../load/scenario.ts";
import { formatSummary } from "../load/summary.ts";
import { parseDurationMs } from "../load/thresholds.ts";
import { writeRunPage } from "../report/html-report.ts";
import { writeJournal, type Journal, type LoadRun } from "../report/journal.ts";
import { projectRoot, reportsDir } from "../paths.ts";
import { printTable } from "./output.ts";
import { stackProgress } from "./stack.ts";
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
      `run a load scenario; exits ${THRESHOLD_FAILED_EXIT} when a threshold fails or the baseline regressed`,
    )
    .addOption(targetOption())
    .option("--profile <name>", "smoke, average, stress, spike, soak (default: the scenario's)")
    .option("--duration <d>", "total duration, e.g. 30s, 5m (the profile keeps its shape)")
    .option("--rate <n>", "nominal rate in iterations/s the profile scales from")
    .option("--attach", "use the stack started with faultline up instead of starting one")
    .option("--baseline <run-id|file>", "compare p95, throughput and error rate with an earlier run")
    .option("--json", "print the summary as JSON")
    .action(async (name: string, opts: RunOpts) => {
      const scenario = await loadScenario(name);
      const rate = opts.rate === undefined ? undefined : Number(opts.rate);
      if (rate !== undefined && !(rate > 0))
        throw new Error(`--rate "${opts.rate}": a positive number of iterations per second`);
      // Every option is checked before a stack is started.
      if (opts.profile) findProfile(opts.profile, "--profile");
      const seconds = durationS(opts.duration);
      const baseline = opts.baseline ? await readBaseline(opts.baseline, scenario.name) : undefined;
      if (opts.attach) await apartFromDetachedStacks();
      const id = reportRunId();
      const startedAt = new Date().toISOString();
      installCleanupHandlers(runId());
      const owned = opts.attach
        ? undefined
        : await new Environment(await loadManifest(opts.target, projectRoot()), {
            onEvent: opts.json ? undefined : stackProgress,
          }).start();
      let run: LoadRun;
      try {
        const stack: LoadStack = owned ?? (await attachedStack(opts.target));
        run = await runLoad(stack, scenario, {
          profile: opts.profile,
          durationS: seconds,
          rate,
          onSecond: opts.json ? undefined : live,
        });
      } finally {
        await owned?.stop();
      }
      if (baseline) run.baseline = compareWithBaseline(run, baseline);
      const regressed = run.baseline?.comparisons.some((c) => !c.ok) ?? false;
      if (regressed && run.status === "passed") {
        run.status = "failed";
        run.detail = `regression against run ${baseline!.runId}: ${run
          .baseline!.comparisons.filter((c) => !c.ok)
          .map((c) => `${c.figure} ${c.current.toFixed(3)} vs ${c.baseline.toFixed(3)}`)
          .join("; ")}`;
      }
      const dir = path.join(reportsDir(), id);
      const journal: Journal = {
        version: 2,
        runId: id,
        target: opts.target,
        command: `faultline load run ${name}`,
        startedAt,
        endedAt: new Date().toISOString(),
        status:
          run.status === "passed" ? "completed" : run.status === "interrupted" ? "interrupted" : "failed",
        reason: run.status === "passed" ? undefined : run.detail,
        phases: [
          {
            name: `load ${name}`,
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
        stack: owned?.timings,
        load: { runs: [run] },
      };
      await writeJournal(dir, journal);
      await writeRunPage(dir, journal);
      const rel = path.relative(process.cwd(), dir) || dir;
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
