import { execFileSync } from "node:child_process";
import type Docker from "dockerode";
import { docker } from "../docker-client.ts";
import {
  LABEL_DETACHED,
  LABEL_MANAGED,
  LABEL_OWNER_PID,
  LABEL_OWNER_STARTED,
  LABEL_RUN_ID,
  ownerAlive,
} from "./run-labels.ts";

export interface Removed {
  containers: string[];
  networks: string[];
  volumes: string[];
}

type Labels = Record<string, string> | undefined;

interface Selector {
  /** Label filters passed to the Docker API (`key=value` or `key`). */
  filters: string[];
  /** A further test on each resource's labels. */
  keep?: (labels: Labels) => boolean;
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

async function removeSelected(sel: Selector, client: Docker): Promise<Removed> {
  const removed: Removed = { containers: [], networks: [], volumes: [] };
  const filters = JSON.stringify({ label: sel.filters });
  const match = (labels: Labels) => sel.keep?.(labels) ?? true;

  const containers = await client.listContainers({ all: true, filters });
  await Promise.all(
    containers
      .filter((c) => match(c.Labels))
      .map(async (c) => {
        try {
          await client.getContainer(c.Id).remove({ force: true, v: true });
          removed.containers.push(c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12));
        } catch (err) {
          if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
        }
      }),
  );
  const networks = await client.listNetworks({ filters });
  for (const n of networks.filter((x) => match(x.Labels))) {
    try {
      await client.getNetwork(n.Id).remove();
      removed.networks.push(n.Name);
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }
  const volumes = (await client.listVolumes({ filters })).Volumes ?? [];
  for (const v of volumes.filter((x) => match(x.Labels ?? undefined))) {
    try {
      await client.getVolume(v.Name).remove({ force: true });
      removed.volumes.push(v.Name);
    } catch (err) {
      if (statusCode(err) !== 404 && statusCode(err) !== 409) throw err;
    }
  }
  return removed;
}

/** Removes every container, network and volume of one run. */
export function removeRun(runId: string, client: Docker = docker()): Promise<Removed> {
  return removeSelected({ filters: [`${LABEL_RUN_ID}=${runId}`] }, client);
}

/**
 * Removes what runs that are no longer alive left behind: resources whose owner process has
 * exited (a crash, a kill -9). A detached stack (`faultline up`) is left to `faultline down` only
 * once it is recorded (its run id in a state file, passed in `recorded`); until then it belongs to
 * the process starting it, and goes with it when that process dies half-way.
 */
export async function sweepLeftovers(
  client: Docker = docker(),
  recorded?: ReadonlySet<string>,
): Promise<Removed> {
  if (!recorded) {
    const { recordedRuns } = await import("./stack-state.ts");
    recorded = await recordedRuns();
  }
  const isRecorded = recorded;
  return removeSelected(
    {
      filters: [LABEL_MANAGED],
      keep: (labels) => {
        if (!labels) return false;
        if (labels[LABEL_DETACHED] === "true" && isRecorded.has(labels[LABEL_RUN_ID] ?? "")) return false;
        const pid = Number(labels[LABEL_OWNER_PID]);
        if (!Number.isInteger(pid) || pid <= 0) return true;
        return !ownerAlive(pid, labels[LABEL_OWNER_STARTED] || undefined);
      },
    },
    client,
  );
}

/**
 * Detached stacks' run ids (with their container names) that no state file records and whose
 * `up` is no longer running: a stack another `faultline up` is still starting is not an orphan.
 */
export async function orphanDetachedRuns(
  recorded: ReadonlySet<string>,
  client: Docker = docker(),
): Promise<{ runId: string; names: string[] }[]> {
  const filters = JSON.stringify({ label: [`${LABEL_DETACHED}=true`] });
  const byRun = new Map<string, string[]>();
  const starting = new Set<string>();
  const visit = (labels: Labels, name: string) => {
    const id = labels?.[LABEL_RUN_ID];
    if (!id || recorded.has(id)) return;
    const pid = Number(labels[LABEL_OWNER_PID]);
    if (Number.isInteger(pid) && pid > 0 && ownerAlive(pid, labels[LABEL_OWNER_STARTED] || undefined))
      starting.add(id);
    byRun.set(id, [...(byRun.get(id) ?? []), name]);
  };
  for (const c of await client.listContainers({ all: true, filters }))
    visit(c.Labels, c.Names[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12));
  for (const n of await client.listNetworks({ filters })) visit(n.Labels ?? undefined, n.Name);
  return [...byRun.entries()]
    .filter(([runId]) => !starting.has(runId))
    .map(([runId, names]) => ({ runId, names }));
}

/** The sweep every command that starts containers runs first; says what it removed. */
export async function sweepBeforeStart(log: (line: string) => void): Promise<Removed | undefined> {
  const r = await sweepLeftovers(docker());
  // A dead run's Kubernetes namespace too (found by its labels), when a cluster is configured.
  const { sweepNamespaces } = await import("./kubernetes/namespaces.ts");
  for (const ns of await sweepNamespaces().catch(() => []))
    log(`faultline: removed the namespace a dead run left: ${ns}`);
  const n = r.containers.length + r.networks.length + r.volumes.length;
  if (n > 0)
    log(
      `faultline: removed what dead runs left: ${[...r.containers, ...r.networks, ...r.volumes].join(", ")}`,
    );
  return r;
}

/** Last resort on process exit, when nothing async can run: the docker CLI, synchronously. */
export function removeRunSync(runId: string): void {
  const label = `label=${LABEL_RUN_ID}=${runId}`;
  const ids = (args: string[]) => {
    try {
      return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .split("\n")
        .filter(Boolean);
    } catch {
      return [];
    }
  };
  const rm = (args: string[]) => {
    try {
      execFileSync("docker", args, { stdio: "ignore" });
    } catch {
      // best effort: the next run's sweep removes what is left
    }
  };
  const containers = ids(["ps", "-aq", "--filter", label]);
  if (containers.length) rm(["rm", "-fv", ...containers]);
  const networks = ids(["network", "ls", "-q", "--filter", label]);
  if (networks.length) rm(["network", "rm", ...networks]);
  const volumes = ids(["volume", "ls", "-q", "--filter", label]);
  if (volumes.length) rm(["volume", "rm", "-f", ...volumes]);
}

/**
 * Removes this run's containers, networks and volumes on SIGINT, SIGTERM and at exit. Signals:
 * cleanup first, then exit with 130 / 143 as shells expect. Returns a function that disarms the
 * handlers (for `faultline up`, whose stack outlives the command once it is ready).
 */
let signalled: Promise<never> | undefined;

/**
 * Set while a signal's cleanup runs: work that fails because its containers vanished should wait
 * for it (the process then exits 130 / 143) rather than report its own failure.
 */
export function signalCleanup(): Promise<never> | undefined {
  return signalled;
}

export function installCleanupHandlers(
  runId: string,
  log: (msg: string) => void = (m) => process.stderr.write(`${m}\n`),
  /** false: the caller handles SIGINT/SIGTERM itself (to roll faults back first); exit cleanup stays armed. */
  handleSignals = true,
): () => void {
  let armed = true;
  let cleaning: Promise<void> | undefined;
  const cleanup = (why: string) => {
    cleaning ??= (async () => {
      log(`faultline: ${why}: removing this run's containers and networks ...`);
      const r = await removeRun(runId).catch(() => undefined);
      // A create request already in flight when the signal came lands after the first pass.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const again = await removeRun(runId).catch(() => undefined);
      if (r && again) {
        r.containers.push(...again.containers);
        r.networks.push(...again.networks);
        r.volumes.push(...again.volumes);
      }
      if (r) {
        log(
          `faultline: removed ${r.containers.length} container(s), ${r.networks.length} network(s), ${r.volumes.length} volume(s)`,
        );
      }
    })();
    return cleaning;
  };
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  for (const [signal, code] of handleSignals
    ? ([
        ["SIGINT", 130],
        ["SIGTERM", 143],
      ] as const)
    : []) {
    const h = () => {
      // A second signal while cleaning exits at once; the next run's sweep finishes the job.
      process.once(signal, () => process.exit(code));
      signalled = cleanup(`${signal} received`).then(() => process.exit(code));
    };
    process.once(signal, h);
    handlers.push([signal, h]);
  }
  const onExit = () => {
    if (armed && !cleaning && process.env.FAULTLINE_KEEP_ON_EXIT !== "1") removeRunSync(runId);
  };
  process.once("exit", onExit);
  return () => {
    armed = false;
    for (const [signal, h] of handlers) process.removeListener(signal, h);
    process.removeListener("exit", onExit);
  };
}
