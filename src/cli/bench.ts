import type { Command } from "commander";
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
