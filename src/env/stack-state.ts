import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cacheDir } from "../paths.ts";
import { docker } from "../docker-client.ts";
import { randomUUID } from "node:crypto";
import { LABEL_DETACHED, LABEL_RECORDED, LABEL_RUN_ID, runId, runLabels } from "./run-labels.ts";
import { listProxies } from "./toxiproxy-api.ts";
import type Docker from "dockerode";
import type { Manifest } from "./manifest.ts";
import { TRACING_QUERY_PORT, type StackTimings, type StartedStack } from "./stack.ts";

/** What `faultline up` leaves behind so that `ps`, `logs` and `down` find the detached stack. */
export interface StackStateFile {
  version: 1;
  target: string;
  manifestFile: string;
  runId: string;
  network: string;
  entrypointUrl: string;
  toxiproxyUrl: string;
  kafkaBrokers?: string[];
  containers: StackStateContainer[];
  edges: string[];
  timings: StackTimings;
}

export interface StackStateContainer {
  name: string;
  kind: string;
  id: string;
  readiness?: string;
  urls: Record<string, string>;
  /** The container port behind each URL, so a restart's new host ports can be followed. */
  ports?: Record<string, number>;
}

/** The container port behind each of a container's URLs (toxiproxy's API is not followed). */
export function containerPorts(manifest: Manifest, name: string, kind: string): Record<string, number> {
  const spec = manifest.services[name];
  if (spec) return { http: spec.ports.http, ...(spec.ports.grpc ? { grpc: spec.ports.grpc } : {}) };
  if (kind === "postgres") return { postgres: 5432 };
  if (kind === "tracing") return { query: TRACING_QUERY_PORT };
  return {};
}

/**
 * A container's URLs on the host ports Docker publishes now. A restart (an earlier attached run's
 * fault, or by hand) publishes new ones and the state file keeps those of `up`. A container that
 * is not running, or a port not published, keeps its recorded URL.
 */
export function liveUrls(c: StackStateContainer, info: Docker.ContainerInspectInfo): Record<string, string> {
  const urls = { ...c.urls };
  if (!info.State.Running) return urls;
  for (const [key, port] of Object.entries(c.ports ?? {})) {
    const hostPort = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0]?.HostPort;
    const u = urls[key];
    if (!hostPort || !u) continue;
    urls[key] = u.replace(/:\d+(?=\/?$)/, `:${hostPort}`);
  }
  return urls;
}

function stateDir(): string {
  return path.join(cacheDir(), "stacks");
}

export function stateFile(target: string): string {
  return path.join(stateDir(), `${target}.json`);
}

export async function writeStackState(stack: StartedStack): Promise<StackStateFile> {
  const states = await stack.states();
  const state: StackStateFile = {
    version: 1,
    target: stack.manifest.name,
    manifestFile: stack.manifest.file,
    runId: stack.runId,
    network: stack.network.name,
    entrypointUrl: stack.entrypointUrl,
    toxiproxyUrl: stack.toxiproxyUrl,
    kafkaBrokers: Object.values(stack.manifest.infrastructure).some((i) => i.kind === "kafka")
      ? stack.kafkaBrokers()
      : undefined,
    containers: await Promise.all(
      states.map(async (s) => ({
        name: s.name,
        kind: s.kind,
        id: (await docker().getContainer(s.container).inspect()).Id,
        readiness: stack.manifest.services[s.name]?.readiness,
        urls: s.urls,
        ports: containerPorts(stack.manifest, s.name, s.kind),
      })),
    ),
    edges: stack.edgeNames(),
    timings: stack.timings,
  };
  await mkdir(stateDir(), { recursive: true });
  await writeFile(stateFile(state.target), `${JSON.stringify(state, null, 2)}\n`);
  await markRecorded(stack.runId);
  return state;
}

/**
 * Records in Docker itself that a detached stack is fully up: a labelled, empty volume. State files
 * live in one checkout's cache; the mark is seen by every faultline on this engine, so a sweep run
 * from another checkout (or with another FAULTLINE_CACHE_DIR) keeps the stack too. `down` removes
 * it with the run's other volumes.
 */
export async function markRecorded(runId: string): Promise<void> {
  await docker().createVolume({
    Name: `faultline-recorded-${runId}`,
    Labels: runLabels({ [LABEL_DETACHED]: "true", [LABEL_RECORDED]: "true" }),
  });
}

/** Run ids of the detached stacks recorded here (state files) or anywhere on this engine (marks). */
export async function recordedRuns(): Promise<Set<string>> {
  const ids = new Set((await listStackStates()).map((s) => s.runId));
  const filters = JSON.stringify({ label: [`${LABEL_RECORDED}=true`] });
  for (const v of (await docker().listVolumes({ filters })).Volumes ?? []) {
    const id = v.Labels?.[LABEL_RUN_ID];
    if (id) ids.add(id);
  }
  return ids;
}

/**
 * A command attached to a detached stack (`--attach`) is a run of its own, and removes its own
 * resources when it ends: it must never carry the stack's run id (FAULTLINE_RUN_ID still set to
 * the one `up` ran with), or its exit removes the stack it attached to. Such a process gets a
 * fresh run id; call before anything reads it.
 */
export async function apartFromDetachedStacks(): Promise<void> {
  if ((await recordedRuns()).has(runId())) process.env.FAULTLINE_RUN_ID = randomUUID();
}

export async function readStackState(target: string): Promise<StackStateFile | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(target), "utf8")) as StackStateFile;
  } catch {
    return undefined;
  }
}

export async function listStackStates(): Promise<StackStateFile[]> {
  try {
    const files = (await readdir(stateDir())).filter((f) => f.endsWith(".json"));
    const out: StackStateFile[] = [];
    for (const f of files) {
      const s = await readStackState(f.replace(/\.json$/, ""));
      if (s) out.push(s);
    }
    return out;
  } catch {
    return [];
  }
}

export async function removeStackState(target: string): Promise<void> {
  await rm(stateFile(target), { force: true });
}

export interface PsRow {
  name: string;
  kind: string;
  state: string;
  ready: boolean | undefined;
  urls: Record<string, string>;
}

export interface PsEdge {
  name: string;
  enabled: boolean;
  toxics: {
    name: string;
    type: string;
    stream: string;
    toxicity: number;
    attributes: Record<string, unknown>;
  }[];
}

/** Live state of a detached stack: each container's state and readiness, each edge and its toxics. */
export async function inspectDetached(
  state: StackStateFile,
): Promise<{ services: PsRow[]; edges: PsEdge[] }> {
  const services: PsRow[] = [];
  for (const c of state.containers) {
    let st = "removed";
    let running = false;
    let urls = c.urls;
    try {
      const info = await docker().getContainer(c.id).inspect();
      st = info.State.Paused ? "paused" : info.State.Status;
      running = info.State.Running && !info.State.Paused;
      urls = liveUrls(c, info);
    } catch {
      // removed behind our back
    }
    let ready: boolean | undefined;
    if (running && c.kind === "service" && urls.http && c.readiness) {
      ready = await fetch(`${urls.http}${c.readiness}`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
    }
    services.push({ name: c.name, kind: c.kind, state: st, ready, urls });
  }
  let edges: PsEdge[] = [];
  try {
    edges = (await listProxies(state.toxiproxyUrl)).map((p) => ({
      name: p.name,
      enabled: p.enabled,
      toxics: p.toxics,
    }));
  } catch {
    // Toxiproxy is down: no edges to show
  }
  return { services, edges: edges.sort((a, b) => a.name.localeCompare(b.name)) };
}
