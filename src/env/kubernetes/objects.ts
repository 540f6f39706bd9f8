/**
 * The Kubernetes objects of one stack, from the manifest: a Deployment per service and for
 * Toxiproxy, a StatefulSet per infrastructure component, a Service for each (named as the
 * manifest names it, so in-cluster DNS resolves the same names Docker's network aliases do).
 * Images are never pulled (imagePullPolicy Never: they were imported into containerd).
 */
import type {
  V1Container,
  V1Deployment,
  V1PodSpec,
  V1Probe,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";

export const APP_LABEL = "dev.faultline.component";

export interface Workload {
  name: string;
  kind: "Deployment" | "StatefulSet";
  image: string;
  env: Record<string, string>;
  ports: Record<string, number>;
  readiness: V1Probe;
  labels: Record<string, string>;
  /**
   * Where the component keeps its data (a database's files), so that a killed pod's replacement
   * finds them as a restarted Docker container does: a hostPath on the node when `hostPath` is
   * given, else an emptyDir (kept across container restarts, not across pod deletion). An init
   * container hands the directory to `owner` (the image runs as that user, not root).
   */
  data?: { mountPath: string; owner: string; hostPath?: string };
}

const DATA_VOLUME = "data";

const container = (w: Workload): V1Container => ({
  name: w.name,
  image: w.image,
  imagePullPolicy: "Never",
  env: Object.entries(w.env).map(([name, value]) => ({ name, value })),
  ports: Object.entries(w.ports).map(([name, containerPort]) => ({ name, containerPort })),
  readinessProbe: w.readiness,
  ...(w.data ? { volumeMounts: [{ name: DATA_VOLUME, mountPath: w.data.mountPath }] } : {}),
});

/** The data volume and the init container that gives it to the image's user. */
function dataParts(w: Workload): Pick<V1PodSpec, "volumes" | "initContainers"> {
  if (!w.data) return {};
  const d = w.data;
  return {
    volumes: [
      d.hostPath
        ? { name: DATA_VOLUME, hostPath: { path: d.hostPath, type: "DirectoryOrCreate" } }
        : { name: DATA_VOLUME, emptyDir: {} },
    ],
    initContainers: [
      {
        name: "data-owner",
        image: w.image,
        imagePullPolicy: "Never",
        command: ["sh", "-c", `chown ${d.owner} '${d.mountPath}' && chmod 700 '${d.mountPath}'`],
        securityContext: { runAsUser: 0 },
        volumeMounts: [{ name: DATA_VOLUME, mountPath: d.mountPath }],
      },
    ],
  };
}

/** The Deployment or StatefulSet (one replica) and its Service. */
export function workloadObjects(w: Workload): [V1Deployment | V1StatefulSet, V1Service] {
  const selector = { [APP_LABEL]: w.name };
  const template = {
    metadata: { labels: { ...w.labels, ...selector } },
    spec: {
      containers: [container(w)],
      ...dataParts(w),
      terminationGracePeriodSeconds: 5,
      enableServiceLinks: false,
    },
  };
  const metadata = { name: w.name, labels: w.labels };
  const workload =
    w.kind === "Deployment"
      ? ({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata,
          spec: { replicas: 1, selector: { matchLabels: selector }, template },
        } satisfies V1Deployment)
      : ({
          apiVersion: "apps/v1",
          kind: "StatefulSet",
          metadata,
          spec: { replicas: 1, serviceName: w.name, selector: { matchLabels: selector }, template },
        } satisfies V1StatefulSet);
  const service: V1Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata,
    spec: {
      selector,
      ports: Object.entries(w.ports).map(([name, port]) => ({ name, port, targetPort: port })),
    },
  };
  return [workload, service];
}

export const httpProbe = (path: string, port: number): V1Probe => ({
  httpGet: { path, port },
  periodSeconds: 1,
  timeoutSeconds: 1,
  failureThreshold: 1,
});

export const tcpProbe = (port: number): V1Probe => ({
  tcpSocket: { port },
  periodSeconds: 1,
  timeoutSeconds: 1,
  failureThreshold: 1,
});

/** A namespace name for a run: DNS-1123, at most 63 characters. */
export function namespaceName(target: string, runId: string, suffix: string): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return `faultline-${clean(target)}-${clean(runId).slice(0, 20)}-${suffix}`.replace(/-+/g, "-").slice(0, 63);
}

/** Label values must be at most 63 of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function labelValue(v: string): string {
  return (
    v
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "none"
  );
}
