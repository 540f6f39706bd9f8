import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cacheDir } from "../paths.ts";
import { docker } from "../docker-client.ts";
import { LABEL_DETACHED, LABEL_RECORDED, LABEL_RUN_ID, runLabels } from "./run-labels.ts";
import { listProxies } from "./toxiproxy-api.ts";
import type { StackTimings, StartedStack } from "./stack.ts";

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
  containers: { name: string; kind: string; id: string; readiness?: string; urls: Record<string, string> }[];
  edges: string[];
  timings: StackTimings;
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
    try {
      const info = await docker().getContainer(c.id).inspect();
      st = info.State.Paused ? "paused" : info.State.Status;
      running = info.State.Running && !info.State.Paused;
    } catch {
      // removed behind our back
    }
    let ready: boolean | undefined;
    if (running && c.kind === "service" && c.urls.http && c.readiness) {
      ready = await fetch(`${c.urls.http}${c.readiness}`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
    }
    services.push({ name: c.name, kind: c.kind, state: st, ready, urls: c.urls });
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
