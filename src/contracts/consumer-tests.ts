/**
 * `faultline contracts test`: runs the consumer tests that write the pacts, one file at a
 * time (parallel writers of one pact file lose interactions, pact-js #599), through vitest.
 */
import { spawn } from "node:child_process";
import { childEnv } from "../env/parent-watch.ts";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
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
  /** Every test that failed, by file and name, with the first lines of its error (vitest's JSON report). */
  failures: ConsumerTestFailure[];
}

export interface ConsumerTestFailure {
  /** suites/contracts/gateway-orders.consumer.test.ts */
  file: string;
  /** The test's full name (describe blocks and title). */
  test: string;
  /** The first lines of its first error. */
  message: string;
}

/** Lines of a failure's message that are kept. */
const MESSAGE_LINES = 6;

/** The failed tests of a vitest JSON report (a file that failed to load counts as one). */
export function failuresFromVitestJson(json: unknown, root: string): ConsumerTestFailure[] {
  const r = json as {
    testResults?: {
      name?: string;
      status?: string;
      message?: string;
      assertionResults?: { fullName?: string; title?: string; status?: string; failureMessages?: string[] }[];
    }[];
  };
  const first = (m: string | undefined) =>
    (m ?? "")
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
      .split("\n")
      .map((l) => l.trimEnd())
      .filter((l) => l.trim())
      .slice(0, MESSAGE_LINES)
      .join("\n") || "failed (no message)";
  const out: ConsumerTestFailure[] = [];
  for (const f of r.testResults ?? []) {
    const file = f.name ? path.relative(root, f.name) : "?";
    const failed = (f.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed)
      out.push({ file, test: a.fullName ?? a.title ?? "?", message: first(a.failureMessages?.[0]) });
    if (!failed.length && f.status === "failed")
      out.push({ file, test: "(the file)", message: first(f.message) });
  }
  return out;
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
  const jsonDir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-consumer-"));
  const jsonFile = path.join(jsonDir, "vitest.json");
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        vitest,
        "run",
        "--project",
        "integration",
        "--no-file-parallelism",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${jsonFile}`,
        ...files,
      ],
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
  let failures: ConsumerTestFailure[] = [];
  try {
    failures = failuresFromVitestJson(JSON.parse(fs.readFileSync(jsonFile, "utf8")), projectRoot());
  } catch {
    // no report (the run died before writing it): the exit code and output say what happened
  } finally {
    fs.rmSync(jsonDir, { recursive: true, force: true });
  }
  if (exitCode !== 0 && failures.length === 0)
    failures = [
      {
        file: "(vitest)",
        test: "(the run)",
        message: `exit ${exitCode}: ${output.trim().split("\n").slice(-MESSAGE_LINES).join("\n")}`,
      },
    ];
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
    failures,
    ...(opts.stdio === "pipe" ? { output } : {}),
  };
}
