/** The few API calls the cluster's own life needs (the driver has its own in src/env/kubernetes). */
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { pollUntil } from "../poll.ts";

export function clusterClient(kubeconfig: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

export async function nodeReady(kc: KubeConfig, name: string): Promise<boolean> {
  const node = await kc.makeApiClient(CoreV1Api).readNode({ name });
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * A strategic merge patch of one object, as `kubectl patch` makes by default: the fields it names
 * change and every other field stays. Not a server-side apply: an apply by the manager that
 * created the object removes every field the partial object leaves out (the selector, the
 * containers), which the API refuses with 422.
 */
export async function patchObject(kc: KubeConfig, o: KubernetesObject): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api.patch(o, undefined, undefined, "faultline", undefined, PatchStrategy.StrategicMergePatch);
}

/** Server-side apply of each object, as `kubectl apply --server-side` does. */
export async function apply(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects)
    await api.patch(o, undefined, undefined, "faultline", true, PatchStrategy.ServerSideApply);
}

/** Deletes every pod of the cluster (short grace) and waits until the kubelet has torn them down. */
export async function deleteAllPods(kc: KubeConfig, timeoutMs: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listPodForAllNamespaces();
  await Promise.all(
    pods.items.map((p) =>
      core
        .deleteNamespacedPod({
          name: p.metadata!.name!,
          namespace: p.metadata!.namespace!,
          gracePeriodSeconds: 1,
        })
        .catch(() => undefined),
    ),
  );
  await pollUntil(
    async () => (await core.listPodForAllNamespaces()).items.length,
    (n) => n === 0,
    { timeoutMs, intervalMs: 500 },
  );
}
