/**
 * Shared parts of the broker tests: the official pact CLI binary, hand-written pacts, a tiny
 * provider, the FFI verifier, and a recorder of the endpoints the clients called.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Verifier } from "@pact-foundation/pact";
import { afterAll, beforeAll, expect } from "vitest";
import {
  startBrokerServer,
  type BrokerRequestRecord,
  type StartedBrokerServer,
} from "../../src/broker/index.ts";
import { pactCliBinary } from "../../src/contracts/pact-cli.ts";

process.env.PACT_DO_NOT_TRACK = "true";
process.env.SCARF_ANALYTICS = "false";

/** The official pact CLI: one finder for the commands and the tests. */
export { pactCliBinary };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pact broker <args>` against the broker; never throws on a non-zero exit. */
export function pactBroker(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      pactCliBinary(),
      ["broker", ...args],
      { env: { ...process.env, PACT_DO_NOT_TRACK: "true", NO_COLOR: "1", ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/** `pact broker publish <file>` with a version and a branch; the CLI must succeed. */
export async function publishWithCli(
  brokerUrl: string,
  file: string,
  version: string,
  branch: string,
): Promise<void> {
  const r = await pactBroker([
    "publish",
    file,
    "--broker-base-url",
    brokerUrl,
    "--consumer-app-version",
    version,
    "--branch",
    branch,
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `faultline-${prefix}-`));
}

export interface Interaction {
  description: string;
  state?: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
}

/**
 * `GET /products/<sku>` answered 200 with `body` (by default `{sku, name: "Product <sku>"}`), in
 * the state "product <sku> exists" unless `state` is false: what startProductProvider serves.
 */
export function productInteraction(
  sku: string,
  o: { body?: Record<string, unknown>; state?: boolean } = {},
): Interaction {
  return {
    description: `a request for product ${sku}`,
    ...(o.state === false ? {} : { state: `product ${sku} exists` }),
    path: `/products/${sku}`,
    status: 200,
    body: o.body ?? { sku, name: `Product ${sku}` },
  };
}

/** Writes a V3 pact by hand: GET requests answered with JSON bodies. */
export function writePact(
  dir: string,
  consumer: string,
  provider: string,
  interactions: Interaction[],
): string {
  const file = path.join(dir, `${consumer}-${provider}-${Math.random().toString(36).slice(2, 8)}.json`);
  const pact = {
    consumer: { name: consumer },
    provider: { name: provider },
    interactions: interactions.map((i) => ({
      description: i.description,
      ...(i.state ? { providerStates: [{ name: i.state }] } : {}),
      request: { method: "GET", path: i.path },
      response: { status: i.status, headers: { "Content-Type": "application/json" }, body: i.body },
    })),
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  fs.writeFileSync(file, JSON.stringify(pact, null, 2));
  return file;
}

/** A product provider on 127.0.0.1: GET /products/<sku> answers `{sku, name}`; unknown SKUs 404. */
export interface StartedProvider extends AsyncDisposable {
  url: string;
  /** When set, renames `name` to `title` in responses (a breaking change). */
  breaking: boolean;
}

export async function startProductProvider(known: string[] = ["SKU-1", "SKU-2"]): Promise<StartedProvider> {
  const state = { breaking: false };
  const server = http.createServer((req, res) => {
    const m = /^\/products\/([^/]+)$/.exec(req.url ?? "");
    if (m && known.includes(m[1]!)) {
      const body = state.breaking
        ? { sku: m[1], title: `Product ${m[1]}` }
        : { sku: m[1], name: `Product ${m[1]}` };
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get breaking() {
      return state.breaking;
    },
    set breaking(v: boolean) {
      state.breaking = v;
    },
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface VerifyOptions {
  brokerUrl: string;
  provider: string;
  providerBaseUrl: string;
  providerVersion: string;
  providerVersionBranch: string;
  consumerVersionSelectors: Record<string, unknown>[];
  includeWipPactsSince?: string;
  token?: string;
}

export interface VerifyOutcome {
  passed: boolean;
  /** The verifier's JSON result (notices, interactionResults, pendingErrors) when it passed. */
  result?: VerifierResult;
  error?: unknown;
}

export interface VerifierResult {
  result: boolean;
  notices: { when: string; text: string }[];
  interactionResults: { description: string; result: string }[];
  pendingErrors: unknown[];
  errors: unknown[];
  output: string[];
}

/** The real Pact FFI verifier (via @pact-foundation/pact), pulling pacts from the broker. */
export async function verifyFromBroker(o: VerifyOptions): Promise<VerifyOutcome> {
  try {
    const raw: unknown = await new Verifier({
      provider: o.provider,
      providerBaseUrl: o.providerBaseUrl,
      pactBrokerUrl: o.brokerUrl,
      ...(o.token ? { pactBrokerToken: o.token } : {}),
      consumerVersionSelectors: o.consumerVersionSelectors,
      enablePending: true,
      ...(o.includeWipPactsSince ? { includeWipPactsSince: o.includeWipPactsSince } : {}),
      publishVerificationResult: true,
      providerVersion: o.providerVersion,
      providerVersionBranch: o.providerVersionBranch,
      failIfNoPactsFound: true,
      logLevel: "error",
    }).verifyProvider();
    const result = (typeof raw === "string" ? JSON.parse(raw) : raw) as VerifierResult;
    return { passed: true, result };
  } catch (error) {
    return { passed: false, error };
  }
}

/** Collects the endpoints the clients called, as `METHOD /route/:pattern`. */
export class EndpointRecorder {
  readonly records: BrokerRequestRecord[] = [];
  readonly onRequest = (r: BrokerRequestRecord): void => {
    this.records.push(r);
  };

  mark(): number {
    return this.records.length;
  }

  /** Distinct `METHOD route` strings called since `from`. */
  endpoints(from = 0): string[] {
    return [...new Set(this.records.slice(from).map((r) => `${r.method} ${r.route ?? r.path}`))];
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, "../..");

export interface ChildBroker {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `broker start` in its own process and waits for the URL it prints. */
export async function spawnBroker(args: string[], env: Record<string, string> = {}): Promise<ChildBroker> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(here, "broker-cli-child.ts"), "broker", "start", ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`broker child did not print its URL within 30000ms: ${out}`)),
      30_000,
    );
    const onData = (): void => {
      const m = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then(() => reject(new Error(`broker child exited before printing its URL: ${out}`)));
  });
  return { child, url, output: () => out, exited };
}

/** A broker recording the endpoints its clients call, and the product provider, for one test file. */
export interface BrokerAndProvider {
  readonly recorder: EndpointRecorder;
  /** The broker (started in beforeAll). */
  readonly broker: StartedBrokerServer;
  /** The product provider (started in beforeAll). */
  readonly provider: StartedProvider;
  /** `--broker-base-url <url>` for the pact CLI. */
  brokerArgs(): string[];
}

/**
 * Starts both before the file's tests and stops them after, then prints the endpoints the
 * clients called (`who` says which clients: the list is the evidence of what they use).
 */
export function useBrokerAndProvider(name: string, who: string): BrokerAndProvider {
  const recorder = new EndpointRecorder();
  let broker: StartedBrokerServer | undefined;
  let provider: StartedProvider | undefined;
  beforeAll(async () => {
    broker = await startBrokerServer({ dataDir: tempDir(name), onRequest: recorder.onRequest });
    provider = await startProductProvider();
  });
  afterAll(async () => {
    await provider?.[Symbol.asyncDispose]();
    await broker?.stop();
    console.log(`[broker endpoints called ${who}]\n  ${recorder.endpoints().sort().join("\n  ")}`);
  });
  const started = <T>(x: T | undefined, what: string): T => {
    if (x === undefined) throw new Error(`${what} is not started yet: use it inside a test or a hook`);
    return x;
  };
  return {
    recorder,
    get broker() {
      return started(broker, "the broker");
    },
    get provider() {
      return started(provider, "the product provider");
    },
    brokerArgs: () => ["--broker-base-url", started(broker, "the broker").url],
  };
}
