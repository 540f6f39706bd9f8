/**
 * Where the single-node cluster lives. One cluster per machine, like the one Docker engine: its
 * state (etcd data, containerd's images, the kubelet's pods) is in STATE_DIR and its sockets in
 * RUN_DIR, both shared by every checkout; its programs are built from the Go module proxy into
 * the shared cache (cached by content, so a fresh clone starts warm); the kubeconfig a checkout
 * uses is written under that checkout's `.cache/`.
 */
import path from "node:path";
import { cacheDir, projectRoot } from "../paths.ts";

export const STATE_DIR = process.env.FAULTLINE_CLUSTER_STATE_DIR ?? "/var/lib/faultline-cluster";
export const RUN_DIR = process.env.FAULTLINE_CLUSTER_RUN_DIR ?? "/run/faultline-cluster";

/** The node's own address, on a dummy interface this machine makes: the API server and kubelet bind it. */
export const NODE_IP = "10.44.0.1";
export const NODE_INTERFACE = "faultline0";
export const NODE_NAME = "faultline-node";
export const POD_CIDR = "10.42.0.0/16";
export const NODE_POD_SUBNET = "10.42.0.0/24";
export const SERVICE_CIDR = "10.43.0.0/16";
export const DNS_SERVICE_IP = "10.43.0.10";
export const CNI_BRIDGE = "faultline-cni0";
export const API_PORT = 6443;
export const ETCD_CLIENT_PORT = 23790;
export const ETCD_PEER_PORT = 23800;
export const KUBELET_HEALTHZ_PORT = 10248;

export const binDir = (): string =>
  process.env.FAULTLINE_CLUSTER_BIN_DIR ?? path.join(cacheDir(), "cluster", "bin");
export const buildScript = (): string => path.join(projectRoot(), "tools", "cluster", "scripts", "build.sh");
/**
 * The node's volumes for the stacks' data (hostPath, one folder per namespace), on this machine
 * since the node is this machine; a run's folder is removed with its namespace.
 */
export const volumesDir = (): string => path.join(STATE_DIR, "volumes");
/** The kubeconfig every `--driver kubernetes` command uses when no `--kubeconfig` is given. */
export const defaultKubeconfig = (): string =>
  process.env.FAULTLINE_KUBECONFIG ?? path.join(projectRoot(), ".cache", "cluster", "kubeconfig");

export const paths = {
  state: path.join(STATE_DIR, "state.json"),
  tokens: path.join(STATE_DIR, "tokens.csv"),
  saKey: path.join(STATE_DIR, "service-account.key"),
  saPub: path.join(STATE_DIR, "service-account.pub"),
  apiserverCerts: path.join(STATE_DIR, "apiserver"),
  kubeconfigs: path.join(STATE_DIR, "kubeconfigs"),
  etcdData: path.join(STATE_DIR, "etcd"),
  containerdRoot: path.join(STATE_DIR, "containerd"),
  kubeletRoot: path.join(STATE_DIR, "kubelet"),
  ipam: path.join(STATE_DIR, "cni-ipam"),
  logs: path.join(STATE_DIR, "logs"),
  config: path.join(STATE_DIR, "config"),
  containerdState: path.join(RUN_DIR, "containerd"),
  containerdSocket: path.join(RUN_DIR, "containerd", "containerd.sock"),
  cniConf: path.join(RUN_DIR, "cni", "net.d"),
};

export const apiServerUrl = `https://${NODE_IP}:${API_PORT}`;
