/**
 * `faultline contracts test`: runs the consumer tests that write the pacts, one file at a
 * time (parallel writers of one pact file lose interactions, pact-js #599), through vitest.
 */
import { spawn } from "node:child_process";
import { childEnv } from "../env/parent-watch.ts";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { projectRoot } from "../paths.ts";
import { ConfigurationError } from "./errors.ts";

const require = createRequire(import.meta.url);

export interface ConsumerTestRun {
  files: string[];
  exitCode: number;
  /** Pact files present in the pact directory after the run. */
  pacts: string[];
  durationMs: number;
}

/** The consumer test files: suites/contracts/*.consumer.test.ts, filtered by substring. */
export function consumerTestFiles(filter?: string): string[] {
  const dir = path.join(projectRoot(), "suites", "contracts");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".consumer.test.ts") && (!filter || f.includes(filter)))
    .sort()
    .map((f) => path.join("suites", "contracts", f));
  if (files.length === 0)
    throw new ConfigurationError(`No consumer tests${filter ? ` matching "${filter}"` : ""} in ${dir}`);
  return files;
}

export async function runConsumerTests(
  opts: { filter?: string; stdio?: "inherit" | "pipe" } = {},
): Promise<ConsumerTestRun> {
  const files = consumerTestFiles(opts.filter);
  const vitest = path.join(path.dirname(require.resolve("vitest/package.json")), "vitest.mjs");
  const t0 = performance.now();
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [vitest, "run", "--project", "integration", "--no-file-parallelism", ...files],
      {
        cwd: projectRoot(),
        stdio: opts.stdio ?? "inherit",
        env: childEnv({ ...process.env, PACT_DO_NOT_TRACK: "true", SCARF_ANALYTICS: "false" }),
      },
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on("error", () => resolve(1));
  });
  const pactDir = path.join(projectRoot(), "pacts");
  const pacts = fs.existsSync(pactDir)
    ? fs
        .readdirSync(pactDir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => path.join("pacts", f))
    : [];
  return { files, exitCode, pacts, durationMs: performance.now() - t0 };
}
