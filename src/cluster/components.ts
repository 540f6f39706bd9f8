/** Each component's command line: the real programs with the flags a single node needs. */
import path from "node:path";
import { containerdConfigFile, kubeconfigOf, kubeletConfigFile } from "./config-files.ts";
import {
  API_PORT,
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  NODE_IP,
  NODE_NAME,
  paths,
  POD_CIDR,
  SERVICE_CIDR,
} from "./layout.ts";

export interface Component {
  name: string;
  exe: string;
  args: string[];
  env?: Record<string, string>;
}

export const ETCD_URL = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;

export function etcd(bin: string): Component {
  const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
  return {
    name: "etcd",
    exe: path.join(bin, "etcd"),
    args: [
      "--name=faultline",
      `--data-dir=${paths.etcdData}`,
      `--listen-client-urls=${ETCD_URL}`,
      `--advertise-client-urls=${ETCD_URL}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=faultline=${peer}`,
      // A test cluster: losing its data on a power cut is fine, waiting on fsync on a shared disk is not.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
  };
}

export function apiserver(bin: string): Component {
  return {
    name: "apiserver",
    exe: path.join(bin, "kube"),
    args: [
      "apiserver",
      `--etcd-servers=${ETCD_URL}`,
      `--bind-address=${NODE_IP}`,
      `--advertise-address=${NODE_IP}`,
      `--secure-port=${API_PORT}`,
      `--cert-dir=${paths.apiserverCerts}`,
      `--token-auth-file=${paths.tokens}`,
      "--authorization-mode=Node,RBAC",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${paths.saPub}`,
      `--service-account-signing-key-file=${paths.saKey}`,
      "--allow-privileged=true",
      // The node is reached on its own address (its name is in no DNS).
      "--kubelet-preferred-address-types=InternalIP",
      "--profiling=false",
      "--v=0",
    ],
  };
}

/** The API server's self-signed serving certificate (and its CA), written into its cert dir. */
export const apiserverCertFile = () => path.join(paths.apiserverCerts, "apiserver.crt");

export function controllerManager(bin: string): Component {
  const kc = kubeconfigOf("controller-manager");
  return {
    name: "controller-manager",
    exe: path.join(bin, "kube"),
    args: [
      "controller-manager",
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--bind-address=127.0.0.1",
      "--secure-port=10257",
      `--service-account-private-key-file=${paths.saKey}`,
      `--root-ca-file=${apiserverCertFile()}`,
      "--use-service-account-credentials=true",
      `--cluster-cidr=${POD_CIDR}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

export function scheduler(bin: string): Component {
  const kc = kubeconfigOf("scheduler");
  return {
    name: "scheduler",
    exe: path.join(bin, "kube"),
    args: [
      "scheduler",
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--bind-address=127.0.0.1",
      "--secure-port=10259",
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

export function containerd(bin: string): Component {
  return {
    name: "containerd",
    exe: path.join(bin, "containerd"),
    args: ["--config", containerdConfigFile()],
    // The runc shim is found on PATH: ours first, never Docker's.
    env: { PATH: `${bin}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}` },
  };
}

export function kubelet(bin: string): Component {
  return {
    name: "kubelet",
    exe: path.join(bin, "kube"),
    args: [
      "kubelet",
      `--config=${kubeletConfigFile()}`,
      `--kubeconfig=${kubeconfigOf("kubelet")}`,
      `--root-dir=${paths.kubeletRoot}`,
      `--cert-dir=${path.join(paths.kubeletRoot, "pki")}`,
      `--node-ip=${NODE_IP}`,
      `--hostname-override=${NODE_NAME}`,
    ],
  };
}

export function proxy(bin: string): Component {
  return {
    name: "proxy",
    exe: path.join(bin, "kube"),
    args: [
      "proxy",
      `--kubeconfig=${kubeconfigOf("proxy")}`,
      `--hostname-override=${NODE_NAME}`,
      `--cluster-cidr=${POD_CIDR}`,
      "--proxy-mode=iptables",
      "--metrics-bind-address=127.0.0.1:10249",
      "--healthz-bind-address=127.0.0.1:10256",
      // Leave the machine's conntrack table size alone (it is shared with Docker).
      "--conntrack-max-per-core=0",
    ],
  };
}
