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
  /** With stdio "pipe": the end of what the run printed (stdout and stderr), for a failure's detail. */
  output?: string;
}

/** How much of a piped run's output is kept. */
const OUTPUT_TAIL = 16_384;

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
  let output = "";
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
    // A piped child's output is read (and its end kept): an unread pipe fills and stalls the run.
    const keep = (d: Buffer): void => void (output = (output + d.toString()).slice(-OUTPUT_TAIL));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on("error", () => resolve(1));
  });
  const pactDir = path.join(projectRoot(), "pacts");
  const pacts = fs.existsSync(pactDir)
    ? fs
        .readdirSync(pactDir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => path.join("pacts", f))
    : [];
  return {
    files,
    exitCode,
    pacts,
    durationMs: performance.now() - t0,
    ...(opts.stdio === "pipe" ? { output } : {}),
  };
}
