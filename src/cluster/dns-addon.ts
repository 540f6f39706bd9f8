/**
 * Cluster DNS: CoreDNS (built from the proxy, in a FROM scratch image built here) as a Deployment
 * behind the kube-dns Service at the address the kubelet gives every pod.
 */
import { AppsV1Api, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { pollUntil } from "../poll.ts";
import { apply } from "./api.ts";
import { DNS_SERVICE_IP } from "./layout.ts";

const NS = "kube-system";
const labels = { "k8s-app": "kube-dns" };

const COREFILE = `.:53 {
    errors
    health {
        lameduck 2s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    forward . /etc/resolv.conf
    cache 5
    loop
    loadbalance
}
`;

export function dnsObjects(image: string): KubernetesObject[] {
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: NS } : {}) });
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("coredns") },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta("system:coredns", false),
      rules: [
        {
          apiGroups: [""],
          resources: ["endpoints", "services", "pods", "namespaces"],
          verbs: ["list", "watch"],
        },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    } as KubernetesObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta("system:coredns", false),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: NS }],
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("coredns"),
      data: { Corefile: COREFILE },
    } as KubernetesObject,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { ...meta("coredns"), labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: "coredns",
            dnsPolicy: "Default",
            priorityClassName: "system-cluster-critical",
            containers: [
              {
                name: "coredns",
                image,
                imagePullPolicy: "Never",
                args: ["-conf", "/etc/coredns/Corefile"],
                ports: [
                  { name: "dns", containerPort: 53, protocol: "UDP" },
                  { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                ],
                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                livenessProbe: { httpGet: { path: "/health", port: 8080 }, periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "128Mi" } },
              },
            ],
            volumes: [{ name: "config", configMap: { name: "coredns" } }],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { ...meta("kube-dns"), labels },
      spec: {
        selector: labels,
        clusterIP: DNS_SERVICE_IP,
        ports: [
          { name: "dns", port: 53, protocol: "UDP" },
          { name: "dns-tcp", port: 53, protocol: "TCP" },
        ],
      },
    } as KubernetesObject,
  ];
}

/** Applies CoreDNS and waits until its Deployment has a ready pod. */
export async function applyDns(kc: KubeConfig, image: string, timeoutMs: number): Promise<void> {
  await apply(kc, dnsObjects(image));
  const apps = kc.makeApiClient(AppsV1Api);
  const r = await pollUntil(
    async () =>
      (await apps.readNamespacedDeployment({ name: "coredns", namespace: NS })).status?.readyReplicas ?? 0,
    (n) => n >= 1,
    { timeoutMs, intervalMs: 500 },
  );
  if (!r.done)
    throw new Error(
      `cluster: CoreDNS not ready after ${timeoutMs} ms (kubectl -n ${NS} describe pods -l k8s-app=kube-dns)`,
    );
}
