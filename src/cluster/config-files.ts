/**
 * The cluster's configuration files, rendered from the layout: static tokens for each component,
 * their kubeconfigs, the kubelet's and containerd's configuration and the CNI network. Written
 * once per `cluster up`; tokens and the service-account key are kept across restarts so
 * kubeconfigs handed out stay valid.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import {
  apiServerUrl,
  CNI_BRIDGE,
  DNS_SERVICE_IP,
  KUBELET_HEALTHZ_PORT,
  NODE_IP,
  NODE_NAME,
  NODE_POD_SUBNET,
  paths,
  RUN_DIR,
} from "./layout.ts";

/** The identities the components and the user authenticate as (bootstrap RBAC knows each). */
export const IDENTITIES = {
  admin: { user: "faultline-admin", groups: ["system:masters"] },
  "controller-manager": { user: "system:kube-controller-manager", groups: [] },
  scheduler: { user: "system:kube-scheduler", groups: [] },
  kubelet: { user: `system:node:${NODE_NAME}`, groups: ["system:nodes"] },
  proxy: { user: "system:kube-proxy", groups: [] },
} as const;
export type Identity = keyof typeof IDENTITIES;

export const kubeconfigOf = (id: Identity): string => path.join(paths.kubeconfigs, `${id}.yaml`);

/** Tokens (kept across restarts), the service-account key pair, one kubeconfig per identity. */
export function writeCredentials(): Record<Identity, string> {
  mkdirSync(paths.kubeconfigs, { recursive: true });
  const tokens = readTokens() ?? newTokens();
  writeFileSync(
    paths.tokens,
    Object.entries(tokens)
      .map(([id, token]) => {
        const { user, groups } = IDENTITIES[id as Identity];
        return `${token},${user},${user}${groups.length ? `,"${groups.join(",")}"` : ""}\n`;
      })
      .join(""),
    { mode: 0o600 },
  );
  if (!existsSync(paths.saKey)) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(paths.saKey, privateKey.export({ type: "pkcs1", format: "pem" }), { mode: 0o600 });
    writeFileSync(paths.saPub, publicKey.export({ type: "spki", format: "pem" }));
  }
  for (const id of Object.keys(IDENTITIES) as Identity[])
    writeFileSync(kubeconfigOf(id), kubeconfigYaml(tokens[id], undefined), { mode: 0o600 });
  return tokens;
}

function readTokens(): Record<Identity, string> | undefined {
  if (!existsSync(paths.tokens)) return undefined;
  const out: Partial<Record<Identity, string>> = {};
  for (const line of readFileSync(paths.tokens, "utf8").split("\n")) {
    const [token, user] = line.split(",");
    const id = (Object.keys(IDENTITIES) as Identity[]).find((k) => IDENTITIES[k].user === user);
    if (id && token) out[id] = token;
  }
  return Object.keys(out).length === Object.keys(IDENTITIES).length
    ? (out as Record<Identity, string>)
    : undefined;
}

function newTokens(): Record<Identity, string> {
  const out = {} as Record<Identity, string>;
  for (const id of Object.keys(IDENTITIES) as Identity[]) out[id] = randomBytes(24).toString("hex");
  return out;
}

/** A kubeconfig for one token; with the API server's CA when known, else without TLS verification. */
export function kubeconfigYaml(token: string, caPem: string | undefined): string {
  const cluster: Record<string, unknown> = { server: apiServerUrl };
  if (caPem) cluster["certificate-authority-data"] = Buffer.from(caPem).toString("base64");
  else cluster["insecure-skip-tls-verify"] = true;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "faultline", cluster }],
    users: [{ name: "faultline", user: { token } }],
    contexts: [{ name: "faultline", context: { cluster: "faultline", user: "faultline" } }],
    "current-context": "faultline",
  });
}

export const kubeletConfigFile = () => path.join(paths.config, "kubelet.yaml");
export const containerdConfigFile = () => path.join(paths.config, "containerd.toml");

/** The kubelet: cgroupfs (no systemd here), cgroup v1 allowed, images never garbage-collected. */
export function writeKubeletConfig(): void {
  mkdirSync(paths.config, { recursive: true });
  writeFileSync(path.join(RUN_DIR, "resolv.conf"), readFileSync("/etc/resolv.conf"));
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: NODE_IP,
    // The API server reaches the kubelet (logs, port-forward) on the node's own dummy address only.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    cgroupDriver: "cgroupfs",
    failCgroupV1: false,
    failSwapOn: false,
    clusterDNS: [DNS_SERVICE_IP],
    clusterDomain: "cluster.local",
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    healthzBindAddress: "127.0.0.1",
    healthzPort: KUBELET_HEALTHZ_PORT,
    readOnlyPort: 0,
    resolvConf: path.join(RUN_DIR, "resolv.conf"),
    // Imported images have no registry to come back from: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "2%", "imagefs.available": "2%" },
    serializeImagePulls: false,
    rotateCertificates: false,
    maxPods: 110,
    podLogsDir: path.join(paths.kubeletRoot, "pod-logs"),
    shutdownGracePeriod: "0s",
    // Lowering an OOM score needs CAP_SYS_RESOURCE, which this machine withholds even from root.
    oomScoreAdj: 0,
  };
  writeFileSync(kubeletConfigFile(), stringify(config));
}

/** containerd with its own root, state and socket, so it never meets Docker's containerd. */
export function writeContainerdConfig(binDir: string, sandboxImage: string): void {
  mkdirSync(paths.config, { recursive: true });
  const toml = `version = 3
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"
[grpc]
  address = "${paths.containerdSocket}"
[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(paths.containerdRoot, "opt")}"
[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "${sandboxImage}"
[plugins."io.containerd.cri.v1.runtime"]
  # This machine withholds CAP_SYS_RESOURCE even from root, so no process may lower its OOM score:
  # the kubelet asks -998 for a sandbox; clamp every request to containerd's own score instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["${binDir}"]
    conf_dir = "${paths.cniConf}"
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "${path.join(binDir, "runc")}"
        SystemdCgroup = false
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`;
  writeFileSync(containerdConfigFile(), toml);
}

/** One bridge network for the node's pods, with the port-map and firewall plugins after it. */
export function writeCniConfig(): void {
  mkdirSync(paths.cniConf, { recursive: true });
  const conf = {
    cniVersion: "1.0.0",
    name: "faultline",
    plugins: [
      {
        type: "bridge",
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: NODE_POD_SUBNET }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: paths.ipam,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
      { type: "firewall" },
    ],
  };
  writeFileSync(path.join(paths.cniConf, "10-faultline.conflist"), JSON.stringify(conf, null, 2));
}
