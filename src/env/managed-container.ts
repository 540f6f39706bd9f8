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
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A bridge network labelled with this run (Testcontainers' own networks cannot carry labels). */
export async function createRunNetwork(
  prefix = "faultline",
  extraLabels: Record<string, string> = {},
): Promise<RunNetwork> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const net = await docker().createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: runLabels(extraLabels),
  });
  const remove = async () => {
    try {
      await net.remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  };
  return { name, id: net.id, remove, [Symbol.asyncDispose]: remove };
}
