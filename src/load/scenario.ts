/**
 * Load scenarios: `suites/load/<name>.ts` exports `defineLoadScenario({...})`. Services are
 * addressed by their name on the stack's network (`gateway`), never by a host port: the runner
 * runs inside the network.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Manifest } from "../env/manifest.ts";
import { projectRoot } from "../paths.ts";
import type { RunnerExecutor, RunnerPlan, RunnerRequest } from "./plan.ts";
import { profile as findProfile, type ProfileName } from "./profiles.ts";
import { parseThresholds, type MetricInfo, type ParsedThreshold, type Thresholds } from "./thresholds.ts";

/** Strings may hold {{uuid}} (new per request), {{seq}} and {{var:NAME}} (captured in setup). */
export interface HttpRequestSpec {
  name: string;
  weight?: number;
  /** A service of the target (its HTTP port), by name. */
  service: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (templates work inside its strings). */
  body?: unknown;
}

export interface GrpcRequestSpec {
  name: string;
  weight?: number;
  /** A service of the target (its gRPC port), by name. */
  service: string;
  grpc: { method: string; data: unknown; metadata?: Record<string, string> };
}

export type LoadRequestSpec = HttpRequestSpec | GrpcRequestSpec;

export interface SetupSpec {
  name: string;
  service: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  repeat?: number;
  /** Variable name -> JSON field of the response ("id", "order.id"). */
  capture?: Record<string, string>;
}

export interface LoadScenarioSpec {
  description: string;
  /** The profile used when none is asked for (src/load/profiles.ts). */
  profile: ProfileName;
  /** Nominal arrival rate (iterations/s) and VUs the profiles scale from. */
  rate: number;
  vus?: number;
  preAllocatedVUs?: number;
  maxVUs?: number;
  /** Replaces the profile's executor entirely. */
  executor?: RunnerExecutor;
  requests: LoadRequestSpec[];
  setup?: SetupSpec[];
  /** .proto files for gRPC requests, relative to protoRoot. */
  protos?: string[];
  /** Folder (relative to the project root) the proto imports are resolved from. */
  protoRoot?: string;
  /** Rate metrics of status codes: `{ rate_limited: { codes: ["429"] } }`. */
  rates?: Record<string, { codes: string[] }>;
  thresholds: Thresholds;
  /** Per-request timeout, e.g. "5s". */
  timeout?: string;
  /** Connections per gRPC service (default 1: gRPC multiplexes calls on one). */
  grpcConnections?: number;
}

export interface LoadScenario extends LoadScenarioSpec {
  name: string;
  /** The file it was read from (relative to the project root). */
  file: string;
}

/** Typed identity: lets a scenario file be checked by the compiler. */
export function defineLoadScenario(spec: LoadScenarioSpec): LoadScenarioSpec {
  return spec;
}

export class LoadScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadScenarioError";
  }
}

export function loadSuitesDir(root = projectRoot()): string {
  return path.join(root, "suites", "load");
}

export async function listLoadScenarios(root = projectRoot()): Promise<string[]> {
  const files = await readdir(loadSuitesDir(root)).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.startsWith("_"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Reads `suites/load/<name>.ts` (or a path to a scenario file). */
export async function loadScenario(nameOrFile: string, root = projectRoot()): Promise<LoadScenario> {
  const file = nameOrFile.endsWith(".ts")
    ? path.resolve(nameOrFile)
    : path.join(loadSuitesDir(root), `${nameOrFile}.ts`);
  const rel = path.relative(root, file);
  let mod: { default?: LoadScenarioSpec };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: LoadScenarioSpec };
  } catch (err) {
    const known = await listLoadScenarios(root);
    if ((err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && !known.includes(nameOrFile))
      throw new LoadScenarioError(
        `No load scenario "${nameOrFile}" (${rel}); scenarios: ${known.join(", ")}`,
      );
    throw new LoadScenarioError(`${rel}: cannot be loaded: ${(err as Error).message}`);
  }
  if (!mod.default || typeof mod.default !== "object")
    throw new LoadScenarioError(`${rel}: must export default defineLoadScenario({...})`);
  const scenario: LoadScenario = { ...mod.default, name: path.basename(file, ".ts"), file: rel };
  validateScenario(scenario);
  return scenario;
}

const isGrpc = (r: LoadRequestSpec): r is GrpcRequestSpec => "grpc" in r;

/** The k6-style metrics a scenario has: http_* only with HTTP requests, grpc_* only with gRPC. */
export function scenarioMetrics(s: LoadScenarioSpec): Record<string, MetricInfo> {
  const byName = ["name"];
  const m: Record<string, MetricInfo> = {
    iterations: { type: "counter", tags: byName },
    dropped_iterations: { type: "counter", tags: [] },
    vus: { type: "gauge", tags: [] },
    vus_max: { type: "gauge", tags: [] },
    data_received: { type: "counter", tags: byName },
    data_sent: { type: "counter", tags: byName },
  };
  for (const proto of ["http", "grpc"] as const) {
    if (!s.requests.some((r) => (proto === "grpc") === isGrpc(r))) continue;
    m[`${proto}_reqs`] = { type: "counter", tags: ["name", "status"] };
    m[`${proto}_req_failed`] = { type: "rate", tags: ["name", "status"] };
    m[`${proto}_req_duration`] = { type: "trend", tags: ["name"] };
  }
  for (const name of Object.keys(s.rates ?? {})) m[name] = { type: "rate", tags: byName };
  return m;
}

/** Checks the scenario's fields; every problem names the file and the field. */
export function validateScenario(s: LoadScenario): ParsedThreshold[] {
  const problems: string[] = [];
  const bad = (field: string, msg: string) => problems.push(`${s.file}: ${field}: ${msg}`);
  if (!Array.isArray(s.requests) || s.requests.length === 0)
    bad("requests", "at least one request is needed");
  const names = new Set<string>();
  (s.requests ?? []).forEach((r, i) => {
    if (!r.name || !/^[A-Za-z0-9_.-]+$/.test(r.name))
      bad(`requests[${i}].name`, "letters, digits, _ . - only");
    if (names.has(r.name)) bad(`requests[${i}].name`, `"${r.name}" is used twice`);
    names.add(r.name);
    if (!r.service) bad(`requests[${i}].service`, "is required (a service of the target, e.g. gateway)");
    if (isGrpc(r) && !/^[\w.]+\/\w+$/.test(r.grpc.method))
      bad(`requests[${i}].grpc.method`, `"${r.grpc.method}" must be "package.Service/Method"`);
    if (isGrpc(r) && !(s.protos ?? []).length)
      bad("protos", `gRPC request "${r.name}" needs the .proto files`);
  });
  if (!(s.rate > 0)) bad("rate", "the nominal rate must be a positive number of iterations per second");
  for (const [name, r] of Object.entries(s.rates ?? {}))
    if (!Array.isArray(r.codes) || r.codes.length === 0)
      bad(`rates.${name}.codes`, 'a list of codes, e.g. ["429"]');
  if (s.profile) {
    try {
      findProfile(s.profile, `${s.file}: profile`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  let parsed: ParsedThreshold[] = [];
  try {
    parsed = parseThresholds(s.thresholds ?? {}, scenarioMetrics(s), s.file);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) throw new LoadScenarioError(problems.join("\n"));
  return parsed;
}

export interface PlanOptions {
  profile?: string;
  durationS?: number;
  rate?: number;
}

const asBody = (b: unknown) => (b === undefined ? undefined : typeof b === "string" ? b : JSON.stringify(b));

function serviceAddr(
  m: Manifest,
  s: LoadScenario,
  service: string,
  port: "http" | "grpc",
  field: string,
): string {
  const spec = m.services[service];
  if (!spec)
    throw new LoadScenarioError(
      `${s.file}: ${field}: no service "${service}" in target "${m.name}"; services: ${Object.keys(m.services).join(", ")}`,
    );
  const p = spec.ports[port];
  if (!p) throw new LoadScenarioError(`${s.file}: ${field}: service "${service}" has no ${port} port`);
  return `${service}:${p}`;
}

/** The runner plan for a scenario against a target: profile resolved, services addressed by name. */
export async function toPlan(
  s: LoadScenario,
  m: Manifest,
  opts: PlanOptions = {},
  root = projectRoot(),
): Promise<{ plan: RunnerPlan; profile: string | undefined }> {
  let executor = s.executor;
  let profileName: string | undefined;
  if (!executor || opts.profile) {
    profileName = opts.profile ?? s.profile;
    const p = findProfile(profileName, opts.profile ? "--profile" : `${s.file}: profile`);
    const rate = opts.rate ?? s.rate;
    executor = p.executor({
      rate,
      vus: s.vus ?? 2,
      preAllocatedVUs: s.preAllocatedVUs ?? Math.min(50, Math.max(5, Math.ceil(rate / 10))),
      maxVUs: s.maxVUs ?? Math.max(100, Math.ceil(rate)),
      durationS: opts.durationS ?? p.defaultDurationS,
    });
  } else if (opts.durationS) {
    executor = { ...executor, duration: `${opts.durationS}s` };
  }
  const requests: RunnerRequest[] = s.requests.map((r, i) =>
    isGrpc(r)
      ? {
          name: r.name,
          weight: r.weight,
          grpc: {
            target: serviceAddr(m, s, r.service, "grpc", `requests[${i}].service`),
            method: r.grpc.method,
            data: asBody(r.grpc.data) ?? "{}",
            metadata: r.grpc.metadata,
          },
        }
      : {
          name: r.name,
          weight: r.weight,
          method: r.method ?? "GET",
          url: `http://${serviceAddr(m, s, r.service, "http", `requests[${i}].service`)}${r.path}`,
          headers: r.headers,
          body: asBody(r.body),
        },
  );
  // Setup fails fast: each service the load touches must answer first.
  const checks: NonNullable<RunnerPlan["checks"]> = [];
  const seen = new Set<string>();
  for (const [i, r] of s.requests.entries()) {
    const key = `${r.service}:${isGrpc(r) ? "grpc" : "http"}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (isGrpc(r))
      checks.push({ name: key, grpcHealth: serviceAddr(m, s, r.service, "grpc", `requests[${i}].service`) });
    else
      checks.push({
        name: key,
        url: `http://${serviceAddr(m, s, r.service, "http", `requests[${i}].service`)}${m.services[r.service]!.readiness}`,
      });
  }
  const setup = (s.setup ?? []).map((x, i) => ({
    name: x.name,
    method: x.method ?? "GET",
    url: `http://${serviceAddr(m, s, x.service, "http", `setup[${i}].service`)}${x.path}`,
    headers: x.headers,
    body: asBody(x.body),
    repeat: x.repeat,
    capture: x.capture,
  }));
  const protoRoot = path.join(root, s.protoRoot ?? ".");
  const protos = await Promise.all(
    (s.protos ?? []).map(async (p) => ({
      path: p,
      content: await readFile(path.join(protoRoot, p), "utf8").catch((err: Error) => {
        throw new LoadScenarioError(
          `${s.file}: protos: cannot read ${path.join(protoRoot, p)}: ${err.message}`,
        );
      }),
    })),
  );
  return {
    plan: {
      executor,
      requests,
      checks,
      setup,
      protos: protos.length ? protos : undefined,
      timeout: s.timeout,
      grpcConnections: s.grpcConnections,
    },
    profile: profileName,
  };
}
