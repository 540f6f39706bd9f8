/**
 * `faultline contracts test | publish | verify`, `faultline can-i-deploy`,
 * `faultline record-deployment`: thin wrappers over src/contracts. Broker configuration the
 * Pact way (PACT_BROKER_BASE_URL, PACT_BROKER_TOKEN, PACT_BROKER_USERNAME /
 * PACT_BROKER_PASSWORD), flags override; no secret is ever printed.
 */
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import {
  canIDeploy,
  publishPacts,
  recordDeployment,
  resolveBrokerConfig,
  runConsumerTests,
  runProviderVerification,
  providerRunOptions,
  type BrokerFlags,
  type ConsumerVersionSelector,
  type VerificationReport,
  type VerifyRequest,
} from "../contracts/index.ts";
import { ConfigurationError, PactCliError, VerificationError } from "../contracts/errors.ts";
import { Redactor } from "../contracts/secrets.ts";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId } from "../env/run-labels.ts";
import { projectRoot } from "../paths.ts";

interface BrokerOpts {
  brokerBaseUrl?: string;
  brokerToken?: string;
  brokerUsername?: string;
  brokerPassword?: string;
}

function addBrokerOptions(cmd: Command): Command {
  return cmd
    .option("-b, --broker-base-url <url>", "Pact Broker base URL (env PACT_BROKER_BASE_URL)")
    .option("-k, --broker-token <token>", "bearer token (env PACT_BROKER_TOKEN)")
    .option("-u, --broker-username <user>", "basic auth user (env PACT_BROKER_USERNAME)")
    .option("-p, --broker-password <password>", "basic auth password (env PACT_BROKER_PASSWORD)");
}

function brokerFlags(o: BrokerOpts): BrokerFlags {
  return {
    ...(o.brokerBaseUrl ? { brokerBaseUrl: o.brokerBaseUrl } : {}),
    ...(o.brokerToken ? { brokerToken: o.brokerToken } : {}),
    ...(o.brokerUsername ? { brokerUsername: o.brokerUsername } : {}),
    ...(o.brokerPassword ? { brokerPassword: o.brokerPassword } : {}),
  };
}

/** Every secret we might know of, from flags and environment: used to redact whatever fails. */
function anyRedactor(o: BrokerOpts): Redactor {
  return new Redactor([
    o.brokerToken,
    o.brokerPassword,
    process.env.PACT_BROKER_TOKEN,
    process.env.PACT_BROKER_PASSWORD,
  ]);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function parseSelector(v: string, prev: ConsumerVersionSelector[] = []): ConsumerVersionSelector[] {
  try {
    const s = JSON.parse(v) as unknown;
    if (!s || typeof s !== "object" || Array.isArray(s)) throw new Error("not an object");
    return [...prev, s as ConsumerVersionSelector];
  } catch (e) {
    throw new InvalidArgumentError(
      `selector must be a JSON object such as '{"mainBranch":true}': ${(e as Error).message}`,
    );
  }
}

/** Runs an action; typed errors become one redacted line and exit code 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A): Promise<void> => {
    const opts = args.find(
      (a) => a && typeof a === "object" && !Array.isArray(a) && !("parent" in (a as object)),
    ) as BrokerOpts | undefined;
    const redactor = anyRedactor(opts ?? {});
    try {
      const code = await fn(...args);
      if (typeof code === "number" && code !== 0) process.exitCode = code;
    } catch (err) {
      const known =
        err instanceof ConfigurationError || err instanceof PactCliError || err instanceof VerificationError;
      const msg = err instanceof Error ? (known ? err.message : `${err.name}: ${err.message}`) : String(err);
      process.stderr.write(`${redactor.redact(msg)}\n`);
      process.exitCode = err instanceof ConfigurationError ? 2 : 1;
    }
  };
}

/** What the official pact CLI printed: its stdout on ours, its stderr (when any) on ours. */
function printPactCli(r: { stdout: string; stderr: string }): void {
  process.stdout.write(r.stdout);
  if (r.stderr.trim()) process.stderr.write(r.stderr);
}

function printReport(r: VerificationReport, out: NodeJS.WritableStream = process.stdout): void {
  out.write(
    `${r.provider}: ${r.interactions.length} interaction(s) verified in ${Math.round(r.durationMs)} ms\n`,
  );
  for (const i of r.interactions)
    out.write(`  ${i.ok ? "OK    " : i.pending ? "FAILED (pending)" : "FAILED"}  ${i.description}\n`);
  for (const f of r.pendingFailures)
    out.write(
      `  pending failure (does not fail the build): ${f.description}\n${f.mismatches.map((m) => `      ${m}\n`).join("")}`,
    );
  for (const n of r.notices) out.write(`  notice: ${n}\n`);
}

export function registerContractsCommands(program: Command): void {
  const contracts = program
    .command("contracts")
    .description("consumer-driven contracts with Pact: consumer tests, publishing, provider verification");

  contracts
    .command("test")
    .description(
      "run the consumer tests (suites/contracts/*.consumer.test.ts) that write pacts/<consumer>-<provider>.json",
    )
    .option("--filter <text>", "only consumer test files whose name contains text")
    .action(
      action(async (opts: { filter?: string }) => {
        const run = await runConsumerTests(opts.filter ? { filter: opts.filter } : {});
        process.stdout.write(
          `consumer tests ${run.exitCode === 0 ? "passed" : "FAILED"} (${run.files.length} file(s), ${Math.round(run.durationMs)} ms); pacts: ${run.pacts.join(", ") || "none"}\n`,
        );
        return run.exitCode;
      }),
    );

  addBrokerOptions(
    contracts
      .command("publish")
      .description(
        "publish pact files to a Pact Broker with the consumer's version, branch, tags and build URL",
      )
      .argument("[pacts...]", "pact files or directories", [path.join(projectRoot(), "pacts")])
      .requiredOption(
        "-a, --consumer-app-version <version>",
        "the consumer version the pacts belong to (e.g. the git SHA)",
      )
      .option("--branch <branch>", "the consumer version's branch")
      .option("-t, --tag <tag>", "tag the consumer version (repeatable)", collect)
      .option("--build-url <url>", "the CI build that produced the pacts"),
  ).action(
    action(
      async (
        pacts: string[],
        opts: BrokerOpts & { consumerAppVersion: string; branch?: string; tag?: string[]; buildUrl?: string },
      ) => {
        const broker = resolveBrokerConfig(brokerFlags(opts));
        const r = await publishPacts({
          broker,
          pacts,
          consumerVersion: opts.consumerAppVersion,
          ...(opts.branch ? { branch: opts.branch } : {}),
          ...(opts.tag ? { tags: opts.tag } : {}),
          ...(opts.buildUrl ? { buildUrl: opts.buildUrl } : {}),
        });
        printPactCli(r);
        return 0;
      },
    ),
  );

  addBrokerOptions(
    contracts
      .command("verify")
      .description(
        "verify a provider against its pacts (local files, or a broker with consumer version selectors), on its target's running stack",
      )
      .requiredOption(
        "--provider <name>",
        "the provider to verify (its harness: suites/contracts/providers/<name>.ts)",
      )
      .option(
        "--pact <file-or-dir>",
        "verify these local pact files (repeatable; default pacts/ when no broker is configured)",
        collect,
      )
      .option(
        "--consumer-version-selector <json>",
        "a consumer version selector, e.g. '{\"mainBranch\":true}' (repeatable)",
        parseSelector,
      )
      .option("--main-branch", "selector: the latest pact of each consumer's main branch")
      .option(
        "--matching-branch",
        "selector: pacts from the consumer branch named like the provider's branch",
      )
      .option(
        "--deployed-or-released",
        "selector: pacts of consumer versions deployed or released in any environment",
      )
      .option(
        "--consumer-branch <branch>",
        "selector: the latest pact of this consumer branch (repeatable)",
        collect,
      )
      .option(
        "--enable-pending",
        "pacts the provider never verified are pending: their failures do not fail the build",
      )
      .option(
        "--include-wip-pacts-since <date>",
        "also verify work-in-progress pacts published since date (YYYY-MM-DD; needs --enable-pending)",
      )
      .option("--publish", "publish the verification results to the broker")
      .option(
        "--provider-app-version <version>",
        "the provider version the results belong to (needed with --publish)",
      )
      .option("--provider-version-branch <branch>", "the provider version's branch")
      .option("--provider-version-tag <tag>", "tag the provider version (repeatable)", collect)
      .option("--build-url <url>", "the CI build that verified")
      .option("--no-fail-if-no-pacts-found", "treat 'no pacts found' as a pass (it is a failure by default)")
      .option(
        "--provider-base-url <url>",
        "verify a provider already running there (no stack, no provider states)",
      )
      .option(
        "--harness <file>",
        "the provider harness module (default suites/contracts/providers/<provider>.ts)",
      )
      .addOption(
        new Option(
          "--sabotage <switches>",
          "start the provider under test with these sabotage switches on (comma-separated; the target's manifest names its variable)",
        ).hideHelp(),
      )
      .option("--json", "print the verification report as JSON"),
  ).action(
    action(async (opts: BrokerOpts & Omit<VerifyRequest, keyof BrokerFlags> & { json?: boolean }) => {
      const run = providerRunOptions({ ...opts, ...brokerFlags(opts) });
      // The stack this command starts is removed on Ctrl-C, SIGTERM and exit, whatever happens.
      if (!run.providerBaseUrl) installCleanupHandlers(runId());
      const report = await runProviderVerification({
        ...run,
        onStackEvent: (e) => {
          if (e.type === "phase") process.stderr.write(`stack: ${e.phase}\n`);
        },
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
      return 0;
    }),
  );

  addBrokerOptions(
    program
      .command("can-i-deploy")
      .description(
        "ask the broker whether a pacticipant version is compatible with everything it talks to (exit 0 yes, 1 no)",
      )
      .requiredOption("-a, --pacticipant <name>", "the application")
      .option("-e, --version <version>", "its version")
      .option("--branch <branch>", "the latest version of this branch (instead of --version)")
      .option("--to-environment <env>", "the environment it would be deployed to")
      .option("--retry-while-unknown <times>", "retry while verification results are missing", (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number");
        return n;
      })
      .option("--retry-interval <seconds>", "seconds between retries", Number)
      .option("--json", "print the answer as JSON"),
  ).action(
    action(
      async (
        opts: BrokerOpts & {
          pacticipant: string;
          version?: string;
          branch?: string;
          toEnvironment?: string;
          retryWhileUnknown?: number;
          retryInterval?: number;
          json?: boolean;
        },
      ) => {
        const broker = resolveBrokerConfig(brokerFlags(opts));
        const r = await canIDeploy({
          broker,
          pacticipant: opts.pacticipant,
          ...(opts.version ? { version: opts.version } : {}),
          ...(opts.branch ? { branch: opts.branch } : {}),
          ...(opts.toEnvironment ? { toEnvironment: opts.toEnvironment } : {}),
          ...(opts.retryWhileUnknown ? { retryWhileUnknown: opts.retryWhileUnknown } : {}),
          ...(opts.retryInterval ? { retryIntervalSeconds: opts.retryInterval } : {}),
        });
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify({ deployable: r.deployable, reason: r.reason, output: r.stdout })}\n`,
          );
        else {
          printPactCli(r);
        }
        return r.deployable ? 0 : 1;
      },
    ),
  );

  addBrokerOptions(
    program
      .command("record-deployment")
      .description("tell the broker a pacticipant version is now deployed to an environment")
      .requiredOption("-a, --pacticipant <name>", "the application")
      .requiredOption("-e, --version <version>", "its version")
      .requiredOption("--environment <env>", "where it was deployed")
      .option("--application-instance <name>", "which instance, when several are deployed side by side"),
  ).action(
    action(
      async (
        opts: BrokerOpts & {
          pacticipant: string;
          version: string;
          environment: string;
          applicationInstance?: string;
        },
      ) => {
        const broker = resolveBrokerConfig(brokerFlags(opts));
        const r = await recordDeployment({
          broker,
          pacticipant: opts.pacticipant,
          version: opts.version,
          environment: opts.environment,
          ...(opts.applicationInstance ? { applicationInstance: opts.applicationInstance } : {}),
        });
        printPactCli(r);
        return 0;
      },
    ),
  );
}
