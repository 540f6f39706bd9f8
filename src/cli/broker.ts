import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { startBrokerServer, type BrokerAuth } from "../broker/index.ts";
import { cacheDir } from "../paths.ts";

interface StartOptions {
  port: number;
  host: string;
  dataDir: string;
  token?: string;
  username?: string;
  password?: string;
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

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`port must be 0-65535, got '${value}'`);
  return n;
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
    .option("--token <t>", "require this bearer token (env PACT_BROKER_TOKEN)")
    .option("--username <u>", "require basic auth with this user (env PACT_BROKER_USERNAME)")
    .option("--password <p>", "password for --username (env PACT_BROKER_PASSWORD)")
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
      const token = opts.token ?? process.env.PACT_BROKER_TOKEN;
      const username = opts.username ?? process.env.PACT_BROKER_USERNAME;
      const password = opts.password ?? process.env.PACT_BROKER_PASSWORD;
      const auth: BrokerAuth | undefined =
        token || username
          ? { ...(token ? { token } : {}), ...(username ? { username, password: password ?? "" } : {}) }
          : undefined;
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
        auth,
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
}
