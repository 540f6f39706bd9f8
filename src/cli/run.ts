import { spawn } from "node:child_process";
import { childEnv } from "../env/parent-watch.ts";
import { readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Option, type Command } from "commander";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId, reportRunId } from "../env/run-labels.ts";
import { apartFromDetachedStacks } from "../env/stack-state.ts";
import { AREAS, runMainJob, type Area } from "../run/main-job.ts";
import type { RunEvent } from "../chaos/runner.ts";
import { projectRoot } from "../paths.ts";
import { stackProgress } from "./stack.ts";
import { targetOption } from "./target-option.ts";

const err = (s: string) => process.stderr.write(`${s}\n`);

export function registerRunCommand(program: Command): void {
  program
    .command("run")
    .description(
      "the main job: one stack; contracts, the chaos catalog, a load smoke and the footprint on it; one journal and report",
    )
    .addOption(targetOption())
    .option("--only <areas>", `comma-separated areas of ${AREAS.join(",")}`)
    .option("--attach", "run on the stack `faultline up` started")
    .option("--seed <n>", "the chaos catalog's seed", "1")
    .option("--json", "print the journal as JSON")
    .addOption(new Option("--json-file <file>", "write the journal JSON here (internal)").hideHelp())
    .action(
      async (opts: {
        target: string;
        only?: string;
        attach?: boolean;
        seed: string;
        json?: boolean;
        jsonFile?: string;
      }) => {
        if (opts.json && !opts.jsonFile) {
          // The Pact FFI verifier writes its report straight to file descriptor 1: run the job in
          // a child whose stdout goes to our stderr, so stdout carries nothing but the journal.
          const file = path.join(os.tmpdir(), `faultline-run-${process.pid}.json`);
          const args = process.argv.slice(2).filter((a) => a !== "--json");
          const code = await new Promise<number>((resolve) => {
            const child = spawn(
              process.execPath,
              [...process.execArgv, process.argv[1]!, ...args, "--json", "--json-file", file],
              { stdio: ["inherit", process.stderr, "inherit"], env: childEnv() },
            );
            child.on("close", (c) => resolve(c ?? 1));
          });
          const text = await readFile(file, "utf8").catch(() => undefined);
          await rm(file, { force: true });
          if (text) process.stdout.write(text);
          process.exitCode = code;
          return;
        }
        const only = (opts.only ?? "")
          .split(",")
          .map((a) => a.trim())
          .filter(Boolean);
        const unknown = only.filter((a) => !(AREAS as readonly string[]).includes(a));
        if (unknown.length) {
          err(`faultline: --only: unknown area(s) ${unknown.join(", ")}; areas: ${AREAS.join(", ")}`);
          process.exitCode = 2;
          return;
        }
        if (opts.attach) await apartFromDetachedStacks();
        const id = reportRunId();
        // Ctrl-C: faults rolled back and the report written first; the containers go when the job ends.
        installCleanupHandlers(runId(), undefined, false);
        const ctrl = new AbortController();
        const onSignal = (sig: NodeJS.Signals) => {
          if (ctrl.signal.aborted) process.exit(sig === "SIGINT" ? 130 : 143);
          err(
            `\nfaultline: ${sig}: stopping, rolling back faults, writing the report (again to quit at once)`,
          );
          ctrl.abort();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        const t0 = Date.now();
        const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
        const r = await runMainJob({
          target: opts.target,
          runId: id,
          only: only as Area[],
          attach: opts.attach,
          seed: Number(opts.seed) || 1,
          signal: ctrl.signal,
          // Progress goes to stderr in every mode (with --json, stdout carries only the journal).
          onEvent: stackProgress,
          onChaos: (e: RunEvent) => {
            if (e.type === "scenario") err(`  [${elapsed()}] chaos ▶ ${e.name}`);
            // Faults and heals: where a run was when it stopped.
            if (e.type === "step" && /^(fault|heal) /.test(e.text))
              err(`  [${elapsed()}]   ${e.ok === false ? "✗" : "·"} ${e.text}`);
            if (e.type === "result")
              err(
                `  [${elapsed()}] chaos ${e.result.status === "completed" ? "✓" : "✗"} ${e.result.name} ${e.result.status} in ${(e.result.durationMs / 1000).toFixed(1)} s`,
              );
          },
          log: (l) => err(`[${elapsed()}] ${l}`),
        });
        if (opts.jsonFile) {
          await writeFile(opts.jsonFile, `${JSON.stringify(r.journal, null, 2)}\n`);
        } else if (opts.json) {
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
        process.exitCode =
          r.journal.status === "completed" ? 0 : r.journal.status === "interrupted" ? 130 : 1;
      },
    );
}
