/** Typed errors of the contract runner, thrown as early as possible (pact-js's style). */

/** The contract runner was configured wrongly: a missing broker URL, a missing version, no pacts. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** One interaction that failed verification: its description and what did not match. */
export interface InteractionFailure {
  description: string;
  /** The mismatches as the verifier printed them (body paths, statuses, headers, metadata). */
  mismatches: string[];
}

/** Provider verification failed: names every failing interaction and its mismatches. */
export class VerificationError extends Error {
  constructor(
    readonly provider: string,
    readonly failures: InteractionFailure[],
    /** The verifier's own output (already stripped of secrets). */
    readonly output: string,
    /** The verifier's report (`passed: false`), when it ran far enough to give one. */
    readonly report?: {
      passed: boolean;
      interactions: { description: string; ok: boolean; pending: boolean }[];
    },
  ) {
    super(
      failures.length > 0
        ? `Verification of ${provider} failed: ${failures.length} interaction(s) did not match:\n${failures
            .map((f) => `  - ${f.description}\n${f.mismatches.map((m) => `      ${m}`).join("\n")}`)
            .join("\n")}`
        : `Verification of ${provider} failed:\n${output.trim().slice(-4000)}`,
    );
    this.name = "VerificationError";
  }
}

/** The official pact CLI exited non-zero (or could not run). */
export class PactCliError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly output: string,
  ) {
    super(`pact ${command} exited with ${exitCode}:\n${output.trim()}`);
    this.name = "PactCliError";
  }
}
