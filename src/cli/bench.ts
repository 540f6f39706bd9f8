import type { Command } from "commander";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { benchReport } from "../report/report-bench.ts";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId } from "../env/run-labels.ts";
import { serviceBench } from "../load/service-bench.ts";
import { startupBench } from "../load/startup-bench.ts";
import { chaosBench } from "../chaos/bench.ts";
import { projectRoot } from "../paths.ts";

const print = (x: unknown) => process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);

export function registerBenchCommand(program: Command): void {
  const bench = program
    .command("bench")
    .description(
      "benchmarks that print figures as JSON (not tests); without a subcommand: stack, then services",
    )
    .option("-t, --target <name|file>", "target name under targets/ or a faultline.yaml", "shop")
    .action(async (opts: { target: string }) => {
      installCleanupHandlers(runId());
      print({ stack: await startupBench(opts.target, 3), services: await serviceBench(opts.target, 20) });
    });

  bench
    .command("report")
    .description(
      "report generation time and size for a synthetic run (20 scenarios, 10 minutes of per-second load by default); no Docker",
    )
    .option("--scenarios <n>", "chaos scenario runs", "20")
    .option("--load-seconds <n>", "seconds of per-second load data", "600")
    .option("--runs <n>", "renders of the same journal", "10")
    .action(async (opts: { scenarios: string; loadSeconds: string; runs: string }) => {
      const journal = syntheticJournal({
        failing: true,
        scenarios: Math.max(0, Number(opts.scenarios) || 0),
        loadSeconds: Math.max(0, Number(opts.loadSeconds) || 0),
      });
      print(await benchReport(journal, Math.max(1, Number(opts.runs) || 10)));
    });

  bench
    .command("stack")
    .description("whole-stack ready time, cold then warm, and each container's time to ready")
    .option("-t, --target <name|file>", "target", "shop")
    .option("--runs <n>", "stack starts in a row (first cold, then warm)", "3")
    .action(async (opts: { target: string; runs: string }) => {
      installCleanupHandlers(runId());
      print(await startupBench(opts.target, Math.max(1, Number(opts.runs) || 3)));
    });

  bench
    .command("services")
    .description("per service: image size, process start to /readyz 200 (median of n restarts), idle RSS")
    .option("-t, --target <name|file>", "target", "shop")
    .option("--samples <n>", "restarts per service", "20")
    .action(async (opts: { target: string; samples: string }) => {
      installCleanupHandlers(runId());
      print(await serviceBench(opts.target, Math.max(1, Number(opts.samples) || 20)));
    });

  bench
    .command("chaos")
    .description(
      "the chaos catalog on one stack: wall time, fault call to in force, heal to steady state, breaker fail-fast vs deadline",
    )
    .option("-t, --target <name|file>", "target", "shop")
    .option("--detection", "time verify-detection instead of the catalog")
    .option("--seed <n>", "seed", "1")
    .action(async (opts: { target: string; detection?: boolean; seed: string }) => {
      installCleanupHandlers(runId());
      print(
        await chaosBench({
          root: projectRoot(),
          target: opts.target,
          detection: opts.detection,
          seed: Number(opts.seed),
          log: (l) => process.stderr.write(`${l}\n`),
        }),
      );
    });
}
