import { randomUUID } from "node:crypto";
import { removeRun, sweepLeftovers } from "../src/env/cleanup.ts";
import { docker } from "../src/env/docker-client.ts";
import { LABEL_RUN_ID } from "../src/env/run-labels.ts";

/**
 * Once per `vitest run`: sweep what dead runs left, give every worker one run id (so their
 * containers share it), and at the end remove this run's resources and fail if any remained.
 */
export async function setup(): Promise<() => Promise<void>> {
  process.env.FAULTLINE_RUN_ID = `test-${randomUUID()}`;
  const runId = process.env.FAULTLINE_RUN_ID;
  const swept = await sweepLeftovers().catch(() => undefined);
  if (swept && swept.containers.length + swept.networks.length + swept.volumes.length > 0) {
    console.warn(
      `faultline: swept leftovers of dead runs: ${swept.containers.length} container(s), ${swept.networks.length} network(s), ${swept.volumes.length} volume(s)`,
    );
  }
  return async () => {
    const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] });
    const client = docker();
    const left = (await client.listContainers({ all: true, filters }).catch(() => [])).map((c) => c.Names[0]);
    const nets = (await client.listNetworks({ filters }).catch(() => [])).map((n) => n.Name);
    await removeRun(runId).catch(() => undefined);
    if (left.length + nets.length > 0) {
      throw new Error(
        `Tests leaked ${left.length} container(s) and ${nets.length} network(s) of run ${runId} (removed now): ${[...left, ...nets].join(", ")}`,
      );
    }
  };
}
