import type { Command } from "commander";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId } from "../env/run-labels.ts";
import { startupBench } from "../load/startup-bench.ts";

export function registerBenchCommand(program: Command): void {
  program
    .command("bench")
    .description(
      "benchmarks that print figures as JSON (not tests): stack start-up cold and warm, image sizes",
    )
    .option("-t, --target <name|file>", "target name under targets/ or a faultline.yaml", "shop")
    .option("--runs <n>", "stack starts in a row (first cold, then warm)", "3")
    .action(async (opts: { target: string; runs: string }) => {
      installCleanupHandlers(runId());
      const result = await startupBench(opts.target, Math.max(1, Number(opts.runs) || 3));
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
