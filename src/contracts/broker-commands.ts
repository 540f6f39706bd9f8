/**
 * The broker flow around verification: publish pacts, ask can-i-deploy, record a deployment.
 * Each drives the official pact CLI; results come back redacted and typed.
 */
import fs from "node:fs";
import path from "node:path";
import type { BrokerConfig } from "./broker-config.ts";
import { ConfigurationError, PactCliError } from "./errors.ts";
import { runPactBroker, type PactCliResult } from "./pact-cli.ts";

export interface PublishOptions {
  broker: BrokerConfig;
  /** Pact files or directories holding them (every *.json inside). */
  pacts: string[];
  consumerVersion: string;
  branch?: string;
  tags?: string[];
  buildUrl?: string;
}

export interface PublishResult extends PactCliResult {
  files: string[];
}

/** The pact files named by files or directories; a directory contributes its *.json. */
export function pactFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new ConfigurationError(`No pact file or directory at ${p}`);
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith(".json")) out.push(path.join(p, f));
    } else out.push(p);
  }
  if (out.length === 0)
    throw new ConfigurationError(
      `No pact files in ${paths.join(", ")} (run the consumer tests first: faultline contracts test)`,
    );
  return out;
}

/** `pact broker publish`: consumer version, branch, tags and build URL, as the CLI sends them. */
export async function publishPacts(o: PublishOptions): Promise<PublishResult> {
  if (!o.consumerVersion?.trim())
    throw new ConfigurationError("A consumer version is required to publish (--consumer-app-version)");
  const files = pactFiles(o.pacts);
  const args = ["publish", ...files, "--consumer-app-version", o.consumerVersion];
  if (o.branch) args.push("--branch", o.branch);
  for (const t of o.tags ?? []) args.push("--tag", t);
  if (o.buildUrl) args.push("--build-url", o.buildUrl);
  const r = await runPactBroker(args, o.broker);
  if (r.exitCode !== 0) throw new PactCliError(r.command, r.exitCode, `${r.stdout}\n${r.stderr}`);
  return { ...r, files };
}

export interface CanIDeployOptions {
  broker: BrokerConfig;
  pacticipant: string;
  /** A version number, or `latest` on a branch via `branch`. */
  version?: string;
  branch?: string;
  toEnvironment?: string;
  /** Retries while the answer is unknown (results not yet published), as the CLI does. */
  retryWhileUnknown?: number;
  retryIntervalSeconds?: number;
}

export interface CanIDeployResult extends PactCliResult {
  deployable: boolean;
  /** The broker's one-line reason, as the CLI printed it. */
  reason: string;
}

/** `pact broker can-i-deploy`: deployable is the CLI's exit code; the table and reason are its output. */
export async function canIDeploy(o: CanIDeployOptions): Promise<CanIDeployResult> {
  if (!o.pacticipant) throw new ConfigurationError("can-i-deploy needs --pacticipant");
  if (!o.version && !o.branch) throw new ConfigurationError("can-i-deploy needs --version or --branch");
  const args = ["can-i-deploy", "--pacticipant", o.pacticipant];
  if (o.version) args.push("--version", o.version);
  else args.push("--branch", o.branch!);
  if (o.toEnvironment) args.push("--to-environment", o.toEnvironment);
  if (o.retryWhileUnknown) {
    args.push("--retry-while-unknown", String(o.retryWhileUnknown));
    args.push("--retry-interval", String(o.retryIntervalSeconds ?? 5));
  }
  const r = await runPactBroker(args, o.broker);
  const text = `${r.stdout}\n${r.stderr}`;
  // Exit 1 with a "Computer says no" is a real answer; anything else that failed is an error.
  const answered = /Computer says (yes|no)/i.test(text);
  if (r.exitCode !== 0 && !answered) throw new PactCliError(r.command, r.exitCode, text);
  const reason =
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /^Computer says/i.test(l)) ??
    text.trim().split("\n").at(-1) ??
    "";
  return { ...r, deployable: r.exitCode === 0, reason };
}

export interface RecordDeploymentOptions {
  broker: BrokerConfig;
  pacticipant: string;
  version: string;
  environment: string;
  applicationInstance?: string;
}

/** `pact broker record-deployment`. */
export async function recordDeployment(o: RecordDeploymentOptions): Promise<PactCliResult> {
  for (const [k, v] of Object.entries({
    pacticipant: o.pacticipant,
    version: o.version,
    environment: o.environment,
  }))
    if (!v) throw new ConfigurationError(`record-deployment needs --${k}`);
  const args = [
    "record-deployment",
    "--pacticipant",
    o.pacticipant,
    "--version",
    o.version,
    "--environment",
    o.environment,
  ];
  if (o.applicationInstance) args.push("--application-instance", o.applicationInstance);
  const r = await runPactBroker(args, o.broker);
  if (r.exitCode !== 0) throw new PactCliError(r.command, r.exitCode, `${r.stdout}\n${r.stderr}`);
  return r;
}

/** `pact broker create-environment`; an environment the broker already has is fine (idempotent). */
export async function ensureEnvironment(
  broker: BrokerConfig,
  name: string,
  opts: { production?: boolean } = {},
): Promise<PactCliResult> {
  const args = ["create-environment", "--name", name];
  if (opts.production) args.push("--production");
  const r = await runPactBroker(args, broker);
  if (r.exitCode !== 0 && !/already|exists|conflict|409/i.test(`${r.stdout}\n${r.stderr}`))
    throw new PactCliError(r.command, r.exitCode, `${r.stdout}\n${r.stderr}`);
  return r;
}

/** `pact broker create-or-update-pacticipant`, e.g. to set its main branch. */
export async function createOrUpdatePacticipant(
  broker: BrokerConfig,
  name: string,
  opts: { mainBranch?: string; repositoryUrl?: string } = {},
): Promise<PactCliResult> {
  const args = ["create-or-update-pacticipant", "--name", name];
  if (opts.mainBranch) args.push("--main-branch", opts.mainBranch);
  if (opts.repositoryUrl) args.push("--repository-url", opts.repositoryUrl);
  const r = await runPactBroker(args, broker);
  if (r.exitCode !== 0) throw new PactCliError(r.command, r.exitCode, `${r.stdout}\n${r.stderr}`);
  return r;
}
