import path from "node:path";
import type { Command } from "commander";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId } from "../env/run-labels.ts";
import { runMainJob } from "../run/main-job.ts";
import { projectRoot } from "../paths.ts";
import { stackProgress } from "./stack.ts";

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description("the main job: bring up the target, check it, run every suite, write the report")
    .option("-t, --target <name|file>", "target name under targets/ or a faultline.yaml", "shop")
    .option("--json", "print the journal as JSON")
    .action(async (opts: { target: string; json?: boolean }) => {
      const id = `${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}-${runId().slice(0, 8)}`;
      installCleanupHandlers(runId());
      const r = await runMainJob({
        target: opts.target,
        runId: id,
        onEvent: opts.json ? undefined : stackProgress,
        log: (l) => process.stderr.write(`${l}\n`),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r.journal, null, 2)}\n`);
      } else {
        for (const p of r.journal.phases) {
          process.stdout.write(
            `${p.status === "passed" ? "✓" : p.status === "skipped" ? "-" : "✗"} ${p.name.padEnd(12)} ${p.detail}\n`,
          );
        }
        process.stdout.write(
          `\nrun ${r.journal.status}. Report: ${path.relative(projectRoot(), r.htmlFile)}\n`,
        );
      }
      process.exitCode = r.journal.status === "completed" ? 0 : 1;
    });
}
