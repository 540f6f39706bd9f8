/**
 * A run's namespace: made with the run's labels, deleted (which removes everything in it) at the
 * end; a namespace whose owner process died is found by its labels and removed by the next command.
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { defaultKubeconfig, volumesDir } from "../../cluster/layout.ts";
import { pollUntil } from "../../poll.ts";
import {
  LABEL_DETACHED,
  LABEL_MANAGED,
  LABEL_OWNER_PID,
  LABEL_OWNER_STARTED,
  LABEL_RUN_ID,
  ownerAlive,
  runLabels,
} from "../run-labels.ts";
import type { KubernetesTarget } from "../stack-interface.ts";
import { labelValue } from "./objects.ts";

/** The client for a kubeconfig (default: the project's cluster) and context (default: its current). */
export function kubeClient(t: KubernetesTarget = {}): KubeConfig {
  const file = t.kubeconfig ?? defaultKubeconfig();
  if (!existsSync(file))
    throw new Error(
      `kubernetes driver: no kubeconfig at ${file} (fix: faultline cluster up, or pass --kubeconfig <file>)`,
    );
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (t.context) {
    const known = kc.getContexts().map((c) => c.name);
    if (!known.includes(t.context))
      throw new Error(
        `kubernetes driver: no context "${t.context}" in ${file}; contexts: ${known.join(", ")}`,
      );
    kc.setCurrentContext(t.context);
  }
  return kc;
}

/** Whether the kubeconfig is the project's own cluster's, whose node is this machine. */
export const ownCluster = (t: KubernetesTarget = {}): boolean =>
  path.resolve(t.kubeconfig ?? defaultKubeconfig()) === path.resolve(defaultKubeconfig());

/** This run's labels as Kubernetes label values. */
export function namespaceLabels(extra: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(runLabels(extra)).map(([k, v]) => [k, labelValue(v)]));
}

export async function createNamespace(kc: KubeConfig, name: string, labels: Record<string, string>) {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels } } });
}

/** Deletes a namespace and waits until it is gone (its pods torn down). */
export async function deleteNamespace(kc: KubeConfig, name: string, timeoutMs = 90_000): Promise<boolean> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespace({ name, gracePeriodSeconds: 0 });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    throw err;
  }
  const r = await pollUntil(
    () =>
      core.readNamespace({ name }).then(
        () => false,
        (e: { code?: number }) => e.code === 404,
      ),
    (gone) => gone,
    { timeoutMs, intervalMs: 500 },
  );
  // Its pods are gone: so can be the data they kept on this machine's node (when it is ours).
  if (r.done) await rm(path.join(volumesDir(), name), { recursive: true, force: true });
  return r.done;
}

export interface RunNamespace {
  name: string;
  runId: string;
  ownerPid: number;
  detached: boolean;
  ownerAlive: boolean;
}

/** Every namespace faultline made on this cluster, with whether its owner still runs. */
export async function runNamespaces(kc: KubeConfig): Promise<RunNamespace[]> {
  const list = await kc
    .makeApiClient(CoreV1Api)
    .listNamespace({ labelSelector: `${LABEL_MANAGED}=true`, timeoutSeconds: 5 });
  return list.items.map((n) => {
    const l = n.metadata?.labels ?? {};
    const pid = Number(l[LABEL_OWNER_PID]);
    return {
      name: n.metadata!.name!,
      runId: l[LABEL_RUN_ID] ?? "",
      ownerPid: pid,
      detached: l[LABEL_DETACHED] === "true",
      ownerAlive: Number.isInteger(pid) && pid > 0 && ownerAlive(pid, l[LABEL_OWNER_STARTED] || undefined),
    };
  });
}

/**
 * Removes the namespaces of runs whose owner died (a SIGKILLed run) and, with `all`
 * (`faultline down --all`), every detached one too; a live run's namespace is never touched. Returns the names removed. No cluster (no kubeconfig, no answer): nothing to do.
 */
export async function sweepNamespaces(
  opts: { all?: boolean; kubernetes?: KubernetesTarget } = {},
): Promise<string[]> {
  let kc: KubeConfig;
  try {
    kc = kubeClient(opts.kubernetes);
  } catch {
    return [];
  }
  const found = await runNamespaces(kc).catch(() => [] as RunNamespace[]);
  const doomed = found.filter((n) => (opts.all && n.detached) || (!n.detached && !n.ownerAlive));
  await Promise.all(doomed.map((n) => deleteNamespace(kc, n.name)));
  return doomed.map((n) => n.name);
}
