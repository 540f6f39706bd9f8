import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { startBrokerServer, type BrokerAuth } from "../broker/index.ts";
import { parseList } from "../broker/webhooks/whitelist.ts";
import { brokerLoadBench } from "../broker/load-bench.ts";
import type { WebhookSettings } from "../broker/webhooks/service.ts";
import { cacheDir } from "../paths.ts";

interface StartOptions {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  token?: string;
  username?: string;
  password?: string;
  readOnlyUsername?: string;
  readOnlyPassword?: string;
  allowPublicRead?: boolean;
  verbose?: boolean;
  autoDetectMainBranch: boolean;
  mainBranchCandidates?: string[];
  allowDangerousContractModification?: boolean;
}

function parseCandidates(value: string): string[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new InvalidArgumentError(
      `give branch names separated by commas (e.g. develop,main,master), got '${value}'`,
    );
  return list;
}

function envCandidates(value: string): string[] {
  try {
    return parseCandidates(value);
  } catch (err) {
    throw new Error(
      `PACT_BROKER_MAIN_BRANCH_CANDIDATES: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** A boolean environment variable as the Pact Broker's image reads them; anything else is an error naming it. */
export function envFlag(name: string, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  // A plain Error: thrown in the action, it is printed (commander prints its own errors only while parsing).
  throw new Error(`${name} must be true or false, got '${raw}' (fix: export ${name}=true or unset it)`);
}

function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${flag} must be a whole number of at least 1, got '${value}'`);
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`port must be 0-65535, got '${value}'`);
  return n;
}

/** The auth settings from flags, then the Pact Broker's own environment variables. */
function authFrom(opts: StartOptions, env: NodeJS.ProcessEnv = process.env): BrokerAuth | undefined {
  const token = opts.token ?? env.PACT_BROKER_TOKEN;
  const username = opts.username ?? env.PACT_BROKER_BASIC_AUTH_USERNAME ?? env.PACT_BROKER_USERNAME;
  const password = opts.password ?? env.PACT_BROKER_BASIC_AUTH_PASSWORD ?? env.PACT_BROKER_PASSWORD;
  const readOnlyUsername = opts.readOnlyUsername ?? env.PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME;
  const readOnlyPassword = opts.readOnlyPassword ?? env.PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD;
  const allowPublicRead = opts.allowPublicRead ?? envFlag("PACT_BROKER_ALLOW_PUBLIC_READ", env) ?? false;
  if (!token && !username && !readOnlyUsername) {
    if (allowPublicRead)
      throw new Error(
        "PACT_BROKER_ALLOW_PUBLIC_READ is set but no credentials are (fix: set PACT_BROKER_BASIC_AUTH_USERNAME and _PASSWORD, or PACT_BROKER_TOKEN)",
      );
    return undefined;
  }
  return {
    ...(token ? { token } : {}),
    ...(username ? { username, password: password ?? "" } : {}),
    ...(readOnlyUsername ? { readOnlyUsername, readOnlyPassword: readOnlyPassword ?? "" } : {}),
    allowPublicRead,
  };
}

/** The Pact Broker's webhook whitelists (whitespace-separated lists; unset: its defaults). */
function webhookSettingsFrom(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const schemes = parseList(env.PACT_BROKER_WEBHOOK_SCHEME_WHITELIST);
  const methods = parseList(env.PACT_BROKER_WEBHOOK_HTTP_METHOD_WHITELIST);
  const hosts = parseList(env.PACT_BROKER_WEBHOOK_HOST_WHITELIST);
  return {
    whitelist: {
      ...(schemes ? { schemes } : {}),
      ...(methods ? { methods } : {}),
      ...(hosts ? { hosts } : {}),
    },
  };
}

/** `faultline broker start`: a Pact Broker compatible server on SQLite, until SIGINT/SIGTERM. */
export function registerBrokerCommand(program: Command): void {
  const broker = program
    .command("broker")
    .description("a local Pact Broker compatible server for offline work and CI");

  broker
    .command("start")
    .description("serve the Pact Broker HAL API (and an HTML overview at /) until interrupted")
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, 9292)
    .option("--host <h>", "interface to bind", "127.0.0.1")
    .option("--data-dir <dir>", "where broker.sqlite lives", path.join(cacheDir(), "broker"))
    .option(
      "--database-url <url>",
      "store in PostgreSQL (postgres://user:password@host:5432/db) instead of SQLite (env PACT_BROKER_DATABASE_URL)",
    )
    .option("--token <t>", "require this bearer token (env PACT_BROKER_TOKEN)")
    .option(
      "--username <u>",
      "require basic auth with this read-write user (env PACT_BROKER_BASIC_AUTH_USERNAME or PACT_BROKER_USERNAME)",
    )
    .option(
      "--password <p>",
      "password for --username (env PACT_BROKER_BASIC_AUTH_PASSWORD or PACT_BROKER_PASSWORD)",
    )
    .option(
      "--read-only-username <u>",
      "a basic auth user that may only read (env PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME)",
    )
    .option(
      "--read-only-password <p>",
      "password for --read-only-username (env PACT_BROKER_BASIC_AUTH_READ_ONLY_PASSWORD)",
    )
    .option("--allow-public-read", "anonymous requests may read (env PACT_BROKER_ALLOW_PUBLIC_READ=true)")
    .option("--verbose", "log every request (method, path, status, duration)")
    .option(
      "--no-auto-detect-main-branch",
      "do not make a candidate branch the main branch of a pacticipant that has none (env PACT_BROKER_AUTO_DETECT_MAIN_BRANCH=false)",
    )
    .option(
      "--main-branch-candidates <list>",
      "branches auto-detected as main, comma-separated (env PACT_BROKER_MAIN_BRANCH_CANDIDATES; default develop,main,master)",
      parseCandidates,
    )
    .option(
      "--allow-dangerous-contract-modification",
      "accept changed pact content under an existing consumer version instead of refusing it with 409 (env PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION=true)",
    )
    .action(async (opts: StartOptions, command: Command) => {
      const auth = authFrom(opts);
      const databaseUrl = opts.databaseUrl ?? process.env.PACT_BROKER_DATABASE_URL;
      const log = (message: string): void => {
        process.stderr.write(`${message}\n`);
      };
      const fromCli = (name: string) => command.getOptionValueSource(name) === "cli";
      const autoDetect = fromCli("autoDetectMainBranch")
        ? opts.autoDetectMainBranch
        : (envFlag("PACT_BROKER_AUTO_DETECT_MAIN_BRANCH") ?? true);
      const candidates =
        opts.mainBranchCandidates ??
        (process.env.PACT_BROKER_MAIN_BRANCH_CANDIDATES
          ? envCandidates(process.env.PACT_BROKER_MAIN_BRANCH_CANDIDATES)
          : undefined);
      const dangerous =
        opts.allowDangerousContractModification ??
        envFlag("PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION") ??
        false;
      const server = await startBrokerServer({
        autoDetectMainBranch: autoDetect,
        ...(candidates ? { mainBranchCandidates: candidates } : {}),
        allowDangerousContractModification: dangerous,
        port: opts.port,
        host: opts.host,
        dataDir: path.resolve(opts.dataDir),
        ...(databaseUrl ? { databaseUrl } : {}),
        auth,
        webhooks: webhookSettingsFrom(),
        logger: { info: log, warn: log, error: log, ...(opts.verbose ? { debug: log } : {}) },
      });
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: NodeJS.Signals): void => {
          process.off("SIGINT", shutdown);
          process.off("SIGTERM", shutdown);
          log(`broker: ${signal} received, stopping`);
          void server.stop().then(resolve);
        };
        process.on("SIGINT", shutdown);
        process.on("SIGTERM", shutdown);
      });
    });

  broker
    .command("bench")
    .description(
      "publish and can-i-deploy latency under concurrent clients, and webhook fire delay, on SQLite or PostgreSQL (prints JSON)",
    )
    .option("--clients <n>", "concurrent clients", (v) => parsePositive(v, "--clients"), 20)
    .option(
      "--per-client <n>",
      "requests per client in each phase",
      (v) => parsePositive(v, "--per-client"),
      25,
    )
    .option(
      "--database-url <url>",
      "an empty PostgreSQL database (postgres://...) instead of a fresh SQLite one",
    )
    .action(async (opts: { clients: number; perClient: number; databaseUrl?: string }) => {
      const result = await brokerLoadBench({
        clients: opts.clients,
        perClient: opts.perClient,
        ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    });
}
