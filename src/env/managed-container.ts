import { ToxiProxyContainer, type StartedToxiProxyContainer } from "@testcontainers/toxiproxy";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { imageRef } from "../images/catalog.ts";
import { bindPublishedPorts } from "./bind-host.ts";
import { docker } from "../docker-client.ts";
import { runLabels } from "./run-labels.ts";

/** A container whose published ports listen on loopback only (FAULTLINE_BIND_HOST widens it). */
export class LoopbackContainer extends GenericContainer {
  override async start(): Promise<StartedTestContainer> {
    bindPublishedPorts(this);
    return super.start();
  }
}

/**
 * A Testcontainers container carrying this run's labels, so cleanup and the leftover sweep find
 * it, never pulled, its ports published on loopback only.
 */
export function managedContainer(image: string): GenericContainer {
  return new LoopbackContainer(image).withLabels(runLabels()).withPullPolicy({ shouldPull: () => false });
}

/** Toxiproxy's API port; the standard module publishes it and a fixed pool of proxy ports. */
export const TOXIPROXY_API_PORT = 8474;
/** How many proxies one Toxiproxy can serve: the module's pool (8666-8697). */
export const TOXIPROXY_PROXY_PORTS = 32;
const FIRST_PROXY_PORT = 8666;

class LoopbackToxiProxyContainer extends ToxiProxyContainer {
  constructor(
    image: string,
    private readonly proxyPorts: number,
  ) {
    super(image);
  }

  override async start(): Promise<StartedToxiProxyContainer> {
    // Only the first `proxyPorts` ports of the pool are published (createProxy hands them out in
    // order): each published port costs the engine a docker-proxy process (about 3 MiB) and
    // start-up time (measured: 33 ports 1.8 s, 12 ports 0.7 s, median of 5).
    const kept = (port: string | number) => parseInt(String(port), 10) < FIRST_PROXY_PORT + this.proxyPorts;
    this.exposedPorts = this.exposedPorts.filter((p) => typeof p !== "number" || kept(p));
    for (const key of Object.keys(this.createOpts.ExposedPorts ?? {}))
      if (!kept(key)) delete this.createOpts.ExposedPorts![key];
    for (const key of Object.keys(this.hostConfig.PortBindings ?? {}))
      if (!kept(key)) delete this.hostConfig.PortBindings![key];
    bindPublishedPorts(this);
    return super.start();
  }
}

/**
 * Toxiproxy through the standard module (@testcontainers/toxiproxy) from faultline's own image:
 * this run's labels, never pulled, its API and `proxyPorts` proxy ports published on loopback
 * only. Its `client` is toxiproxy-node-client's; `createProxy` hands out the next free port.
 */
export function managedToxiproxy(
  proxyPorts = TOXIPROXY_PROXY_PORTS,
  image = imageRef("toxiproxy"),
): ToxiProxyContainer {
  return new LoopbackToxiProxyContainer(image, proxyPorts)
    .withLabels(runLabels())
    .withPullPolicy({ shouldPull: () => false });
}

/** Where a process on this host reaches a started Toxiproxy's API. */
export function toxiproxyApiUrl(t: StartedTestContainer): string {
  return `http://${t.getHost()}:${t.getMappedPort(TOXIPROXY_API_PORT)}`;
}

export interface RunNetwork {
  name: string;
  id: string;
  /** The run's host names and their fixed addresses (empty: a network without fixed addresses). */
  hosts: Record<string, string>;
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The network label carrying `name=address,...`: every container joining the network reads it. */
export const LABEL_HOSTS = "dev.faultline.hosts";

/**
 * Why fixed addresses and /etc/hosts: Debian 12's docker.io (20.10.24) has libnetwork's lock-order
 * deadlock between its embedded DNS server and an endpoint leaving a network (moby/moby#46661,
 * moby/libnetwork#2632; the fix, libnetwork#2679, came with 20.10.27). A DNS query inside the run's
 * network while a container exits (a chaos kill, the teardown) could hang the whole daemon: seen
 * here, every API call then hung (goroutine dump: ResolveName waiting on the controller lock,
 * sandbox.Delete on the network lock). With every name of the run in each container's /etc/hosts,
 * resolvers (Go's, glibc's) answer from the file and never ask the embedded DNS server.
 * Subnets are taken from 10.200.0.0/13 (clear of Docker's default pools and of Kubernetes'
 * usual service and pod ranges); fixed addresses from .10, Docker's own from the upper half.
 */
function subnetCandidate(): { subnet: string; prefix: string } {
  const a = 200 + Math.floor(Math.random() * 8);
  const b = Math.floor(Math.random() * 256);
  return { subnet: `10.${a}.${b}.0/24`, prefix: `10.${a}.${b}` };
}

/** A bridge network labelled with this run (Testcontainers' own networks cannot carry labels). */
export async function createRunNetwork(
  prefix = "faultline",
  extraLabels: Record<string, string> = {},
  hostNames: string[] = [],
): Promise<RunNetwork> {
  if (hostNames.length > 100)
    throw new Error(`createRunNetwork: ${hostNames.length} host names, at most 100`);
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  let net: Awaited<ReturnType<ReturnType<typeof docker>["createNetwork"]>> | undefined;
  let hosts: Record<string, string> = {};
  for (let attempt = 1; !net; attempt++) {
    const { subnet, prefix: p } = subnetCandidate();
    hosts = Object.fromEntries(hostNames.map((h, i) => [h, `${p}.${10 + i}`]));
    try {
      net = await docker().createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: {
          ...runLabels(extraLabels),
          [LABEL_HOSTS]: Object.entries(hosts)
            .map(([h, ip]) => `${h}=${ip}`)
            .join(","),
        },
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, IPRange: `${p}.128/25`, Gateway: `${p}.1` }] },
      });
    } catch (err) {
      // Another network (another run, or the machine's own) holds that range: take another.
      if (attempt >= 20 || !/overlap/i.test((err as Error).message)) throw err;
    }
  }
  const created = net;
  const remove = async () => {
    try {
      await created.remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  };
  return { name, id: created.id, hosts, remove, [Symbol.asyncDispose]: remove };
}

/** The host names and addresses a run network carries in its label (none for other networks). */
export async function networkHosts(networkName: string): Promise<Record<string, string>> {
  const info = (await docker().getNetwork(networkName).inspect()) as { Labels?: Record<string, string> };
  const raw = info.Labels?.[LABEL_HOSTS] ?? "";
  return Object.fromEntries(
    raw
      .split(",")
      .filter(Boolean)
      .map((kv) => kv.split("=") as [string, string]),
  );
}

/**
 * Puts a container on the run's network: every name of the run in its /etc/hosts and, when it is
 * one of them (`host`), its fixed address and that name as its alias. Without `host`, Docker
 * gives it an address of the upper half (a load runner, a service variant).
 */
export function onRunNetwork<C extends GenericContainer>(
  c: C,
  networkName: string,
  hosts: Record<string, string>,
  host?: string,
): C {
  c.withNetworkMode(networkName).withExtraHosts(
    Object.entries(hosts).map(([h, ipAddress]) => ({ host: h, ipAddress })),
  );
  if (host) {
    const ip = hosts[host];
    if (!ip) throw new Error(`onRunNetwork: "${host}" has no address on ${networkName}`);
    (c as unknown as { createOpts: { NetworkingConfig?: unknown } }).createOpts.NetworkingConfig = {
      EndpointsConfig: { [networkName]: { Aliases: [host], IPAMConfig: { IPv4Address: ip } } },
    };
  }
  return c;
}

/** onRunNetwork for a network known by name only (an attached stack's): its hosts read from its label. */
export async function joinRunNetwork<C extends GenericContainer>(c: C, networkName: string): Promise<C> {
  return onRunNetwork(c, networkName, await networkHosts(networkName));
}
