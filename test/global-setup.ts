import { randomUUID } from "node:crypto";
import type Docker from "dockerode";
import { removeRun, sweepLeftovers } from "../src/env/cleanup.ts";
import { docker, dockerVersion } from "../src/docker-client.ts";
import { LABEL_RUN_ID } from "../src/env/run-labels.ts";
import { watchParent } from "../src/env/parent-watch.ts";

/**
 * Once per `vitest run` of the integration project (the unit project needs no Docker and has no
 * global set-up): check that Docker answers, sweep what dead runs left, give every worker one run
 * id (so their containers share it), and at the end remove this run's resources and fail if any
 * remained. A Docker error is an error here, never "nothing leaked".
 */
export async function setup(): Promise<() => Promise<void>> {
  // Started by faultline (the main job's consumer tests): end with it.
  watchParent();
  const runId = `test-${randomUUID()}`;
  process.env.FAULTLINE_TEST_RUN = runId;
  await dockerVersion();
  const swept = await sweepLeftovers();
  if (swept.containers.length + swept.networks.length + swept.volumes.length > 0) {
    console.warn(
      `faultline: swept leftovers of dead runs: ${swept.containers.length} container(s), ${swept.networks.length} network(s), ${swept.volumes.length} volume(s)`,
    );
  }
  return () => leakCheck(runId);
}

/**
 * Lists what of run `runId` and its workers' runs (`<runId>-w<n>`) is still there, removes it, and
 * throws when anything was left or when Docker could not be asked (so a Docker error never reads
 * as "no leaks").
 */
export async function leakCheck(runId: string, client: Docker = docker()): Promise<void> {
  const filters = JSON.stringify({ label: [LABEL_RUN_ID] });
  const ours = (labels: Record<string, string> | null | undefined) => {
    const id = labels?.[LABEL_RUN_ID] ?? "";
    return id === runId || id.startsWith(`${runId}-w`);
  };
  let left: string[];
  let nets: string[];
  const runs = new Set<string>();
  try {
    const containers = (await client.listContainers({ all: true, filters })).filter((c) => ours(c.Labels));
    const networks = (await client.listNetworks({ filters })).filter((n) => ours(n.Labels));
    const volumes = ((await client.listVolumes({ filters })).Volumes ?? []).filter((v) => ours(v.Labels));
    for (const x of [...containers, ...networks, ...volumes]) runs.add(x.Labels![LABEL_RUN_ID]!);
    left = containers.map((c) => c.Names[0] ?? c.Id);
    nets = networks.map((n) => n.Name);
  } catch (err) {
    throw new Error(
      `The leak check of run ${runId} could not list its containers and networks, so leaks are unknown: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  for (const id of runs) await removeRun(id, client);
  if (left.length + nets.length > 0) {
    throw new Error(
      `Tests leaked ${left.length} container(s) and ${nets.length} network(s) of run ${runId} (removed now): ${[...left, ...nets].join(", ")}`,
    );
  }
}
