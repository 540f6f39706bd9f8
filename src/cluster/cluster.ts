/**
 * `faultline cluster up|status|down`: a real single-node Kubernetes on this machine, from the
 * programs tools/cluster builds (etcd; kube-apiserver, controller-manager, scheduler, kubelet and
 * kube-proxy in one binary, each the real component's command; containerd and runc; CNI plugins;
 * CoreDNS in the cluster). One cluster per machine; `up` is idempotent.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { promisify } from "node:util";
import { pollUntil } from "../poll.ts";
import { applyDns } from "./dns-addon.ts";
import * as components from "./components.ts";
import {
  kubeconfigYaml,
  writeCniConfig,
  writeContainerdConfig,
  writeCredentials,
  writeKubeletConfig,
} from "./config-files.ts";
import {
  apiServerUrl,
  binDir,
  buildScript,
  CNI_BRIDGE,
  defaultKubeconfig,
  KUBELET_HEALTHZ_PORT,
  NODE_INTERFACE,
  NODE_IP,
  NODE_NAME,
  paths,
  RUN_DIR,
  STATE_DIR,
} from "./layout.ts";
import { importImages, scratchImage } from "./node-images.ts";
import { isAlive, logTail, startProcess, stopProcess, type ProcessRecord } from "./processes.ts";
import { clusterClient, deleteAllPods, nodeReady } from "./api.ts";

const run = promisify(execFile);

export interface ClusterState {
  binDir: string;
  version: string;
  startedAt: string;
  processes: ProcessRecord[];
}

export interface ClusterStatus {
  ready: boolean;
  kubeconfig: string;
  version: string | undefined;
  /** Which of the cluster's processes run. */
  processes: { name: string; pid: number; alive: boolean; rssMiB?: number }[];
}

export type ClusterEvent = { type: "step"; step: string; ms: number };

export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterError";
  }
}

function readState(): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(paths.state, "utf8")) as ClusterState;
  } catch {
    return undefined;
  }
}

/** Builds (or finds cached) the cluster's binaries: tools/cluster/scripts/build.sh, cached by content. */
export async function buildBinaries(): Promise<string> {
  const dir = binDir();
  await run("bash", [buildScript(), dir], { maxBuffer: 64 * 1024 * 1024 }).catch(
    (err: Error & { stderr?: string }) => {
      throw new ClusterError(
        `cluster: building the cluster's programs failed:\n${err.stderr ?? err.message}`,
      );
    },
  );
  return dir;
}

/** The node's address on a port-less bridge interface of its own; forwarding and bridge filtering on. */
async function prepareHostNetwork(): Promise<void> {
  const ip = (...args: string[]) => run("ip", args);
  const has = await ip("-4", "addr", "show", "dev", NODE_INTERFACE).then(
    (r) => r.stdout.includes(`${NODE_IP}/`),
    () => false,
  );
  if (!has) {
    // A bridge with no ports: this kernel has no dummy interfaces, and a bridge is always there (Docker uses one).
    await ip("link", "add", NODE_INTERFACE, "type", "bridge").catch(() => undefined);
    await ip("addr", "add", `${NODE_IP}/32`, "dev", NODE_INTERFACE);
    await ip("link", "set", NODE_INTERFACE, "up");
  }
  await run("modprobe", ["br_netfilter"]).catch(() => undefined);
  writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  if (existsSync("/proc/sys/net/bridge/bridge-nf-call-iptables"))
    writeFileSync("/proc/sys/net/bridge/bridge-nf-call-iptables", "1");
}

function get(url: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        rejectUnauthorized: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, p: ProcessRecord, check: () => Promise<boolean>, timeoutMs: number) {
  const r = await pollUntil(
    async () => (isAlive(p) ? await check().catch(() => false) : "dead"),
    (v) => v === true || v === "dead",
    { timeoutMs, intervalMs: 250 },
  );
  if (r.value !== true)
    throw new ClusterError(
      `cluster: ${what} ${r.value === "dead" ? "exited" : `not ready after ${timeoutMs} ms`}; last lines of ${p.log}:\n    ${logTail(p)}`,
    );
}

const httpOk = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );

/** Starts the cluster (building its programs when they are not cached) and waits for a Ready node. */
export async function clusterUp(onEvent: (e: ClusterEvent) => void = () => {}): Promise<ClusterStatus> {
  let t = Date.now();
  const step = (name: string) => {
    onEvent({ type: "step", step: name, ms: Date.now() - t });
    t = Date.now();
  };
  const existing = await clusterStatus();
  if (existing.ready) return existing;
  if (readState()?.processes.some(isAlive)) await clusterDown();
  const bin = await buildBinaries();
  step("binaries");
  for (const d of [STATE_DIR, RUN_DIR, paths.logs]) mkdirSync(d, { recursive: true });
  await prepareHostNetwork();
  const tokens = writeCredentials();
  writeKubeletConfig();
  writeCniConfig();
  const pause = await scratchImage("pause", path.join(bin, "pause"));
  writeContainerdConfig(bin, pause.includes("/") ? `docker.io/${pause}` : pause);
  step("configuration");

  const { stdout: version } = await run(path.join(bin, "kube"), ["apiserver", "--version"]);
  const state: ClusterState = {
    binDir: bin,
    version: version.trim().replace(/^Kubernetes /, ""),
    startedAt: new Date().toISOString(),
    processes: [],
  };
  const start = (c: components.Component) => {
    const p = startProcess(c.name, c.exe, c.args, c.env);
    state.processes.push(p);
    writeFileSync(paths.state, JSON.stringify(state, null, 2));
    return p;
  };
  try {
    const etcd = start(components.etcd(bin));
    const ctrd = start(components.containerd(bin));
    await waitFor("etcd", etcd, () => httpOk(`${components.ETCD_URL}/health`), 30_000);
    step("etcd");
    const api = start(components.apiserver(bin));
    await waitFor(
      "kube-apiserver",
      api,
      async () => (await get(`${apiServerUrl}/readyz`, tokens.admin)) === 200,
      90_000,
    );
    step("apiserver");
    writeUserKubeconfig(tokens.admin);
    start(components.controllerManager(bin));
    start(components.scheduler(bin));
    await waitFor("containerd", ctrd, async () => existsSync(paths.containerdSocket), 30_000);
    await importImages(bin, [pause]);
    step("containerd + pause image");
    const kubelet = start(components.kubelet(bin));
    start(components.proxy(bin));
    await waitFor(
      "kubelet",
      kubelet,
      () => httpOk(`http://127.0.0.1:${KUBELET_HEALTHZ_PORT}/healthz`),
      60_000,
    );
    const kc = clusterClient(defaultKubeconfig());
    await waitFor("node", kubelet, () => nodeReady(kc, NODE_NAME), 90_000);
    step("node Ready");
    const dnsImage = await scratchImage("coredns", path.join(bin, "coredns"));
    await importImages(bin, [dnsImage]);
    await applyDns(kc, dnsImage, 90_000);
    step("cluster DNS");
  } catch (err) {
    await clusterDown().catch(() => undefined);
    throw err;
  }
  return clusterStatus();
}

/** The kubeconfig this checkout's commands use, verifying the API server's own certificate. */
function writeUserKubeconfig(adminToken: string): void {
  const ca = readFileSync(components.apiserverCertFile(), "utf8");
  const file = defaultKubeconfig();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, kubeconfigYaml(adminToken, ca), { mode: 0o600 });
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the cluster answers with a Ready node; writes this checkout's kubeconfig when it does. */
export async function clusterStatus(): Promise<ClusterStatus> {
  const state = readState();
  const processes = (state?.processes ?? []).map((p) => ({
    name: p.name,
    pid: p.pid,
    alive: isAlive(p),
    rssMiB: isAlive(p) ? rssMiB(p.pid) : undefined,
  }));
  const kubeconfig = defaultKubeconfig();
  let ready = false;
  if (state && processes.length > 0 && processes.every((p) => p.alive)) {
    const token = readFileSync(paths.tokens, "utf8")
      .split("\n")
      .find((l) => l.includes(",faultline-admin,"));
    if (token && existsSync(components.apiserverCertFile())) {
      writeUserKubeconfig(token.split(",")[0]!);
      ready = await nodeReady(clusterClient(kubeconfig), NODE_NAME).catch(() => false);
    }
  }
  return { ready, kubeconfig, version: state?.version, processes };
}

/** Stops the cluster: pods first (so the CNI tears their networks down), then every process. */
export async function clusterDown(): Promise<{ stopped: string[] }> {
  const state = readState();
  if (!state) return { stopped: [] };
  const byName = (n: string) => state.processes.filter((p) => p.name === n);
  const stopAll = async (...names: string[]) => {
    for (const n of names) for (const p of byName(n)) await stopProcess(p);
  };
  await stopAll("controller-manager", "scheduler");
  if (byName("kubelet").some(isAlive) && byName("apiserver").some(isAlive))
    await deleteAllPods(clusterClient(defaultKubeconfig()), 60_000).catch(() => undefined);
  await stopAll("kubelet");
  await run(path.join(state.binDir, "kube"), ["proxy", "--cleanup"]).catch(() => undefined);
  await stopAll("proxy", "containerd", "apiserver", "etcd");
  await run("ip", ["link", "del", CNI_BRIDGE]).catch(() => undefined);
  await run("ip", ["link", "del", NODE_INTERFACE]).catch(() => undefined);
  rmSync(paths.state, { force: true });
  return { stopped: state.processes.map((p) => p.name) };
}
