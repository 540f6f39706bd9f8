/**
 * The official pact CLI (`@pact-foundation/pact-cli`, a static Rust binary) drives publish,
 * can-i-deploy and record-deployment, so faultline behaves exactly as Pact users expect.
 * Broker credentials travel in the child's environment, never on its command line, and
 * everything it prints is redacted before anyone sees it.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pactCliEnv, type BrokerConfig } from "./broker-config.ts";
import { ConfigurationError } from "./errors.ts";

const require = createRequire(import.meta.url);

/** Path of the pact binary shipped in @pact-foundation/pact-cli's platform package. */
export function pactCliBinary(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  const candidates = [`@pact-foundation/pact-cli-linux-${arch}`, `@pact-foundation/pact-cli-darwin-${arch}`];
  for (const pkg of candidates) {
    try {
      const dir = path.dirname(require.resolve(`${pkg}/package.json`));
      for (const rel of ["standalone/pact", "standalone/bin/pact"]) {
        const file = path.join(dir, rel);
        if (fs.existsSync(file)) return file;
      }
    } catch {
      // not installed for this platform: try the next
    }
  }
  throw new ConfigurationError(
    `The official pact CLI binary was not found (looked in ${candidates.join(", ")}); reinstall @pact-foundation/pact-cli`,
  );
}

export interface PactCliResult {
  /** `broker publish`, `broker can-i-deploy`, ... */
  command: string;
  exitCode: number;
  /** stdout and stderr, redacted. */
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs `pact broker <args>` against `broker`; resolves with the (redacted) result on any exit code. */
export function runPactBroker(
  args: string[],
  broker: BrokerConfig,
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<PactCliResult> {
  const t0 = performance.now();
  const bin = pactCliBinary();
  // Drop any broker credentials inherited from our environment: the config decides.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("PACT_BROKER_")),
  );
  return new Promise((resolve) => {
    execFile(
      bin,
      ["broker", ...args],
      {
        cwd: opts.cwd,
        env: { ...inherited, PACT_DO_NOT_TRACK: "true", NO_COLOR: "1", ...pactCliEnv(broker) },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 32 << 20,
      },
      (err, stdout, stderr) => {
        const exitCode = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        const extra = err && typeof err.code !== "number" ? `\n${err.message}` : "";
        resolve({
          command: `broker ${args[0] ?? ""}`.trim(),
          exitCode,
          stdout: broker.redactor.redact(stdout.toString()),
          stderr: broker.redactor.redact(stderr.toString() + extra),
          durationMs: performance.now() - t0,
        });
      },
    );
  });
}
