import path from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { startBrokerServer, type BrokerAuth } from "../contracts/broker/index.ts";
import { cacheDir } from "../paths.ts";

interface StartOptions {
  port: number;
  host: string;
  dataDir: string;
  token?: string;
  username?: string;
  password?: string;
  verbose?: boolean;
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
    .action(async (opts: StartOptions) => {
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
      const server = await startBrokerServer({
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
