import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { Toxiproxy, type Proxy } from "toxiproxy-node-client";
import { imageRef } from "../images/catalog.ts";
import { bindPublishedPorts } from "./bind-host.ts";
import { runLabels } from "./run-labels.ts";

/** Toxiproxy's API port and the pool of ports its proxies listen on (as the upstream module uses). */
export const TOXIPROXY_API_PORT = 8474;
export const FIRST_PROXY_PORT = 8666;
export const PROXY_PORT_COUNT = 32;

export interface CreatedProxy {
  proxy: Proxy;
  /** Where a process on this host reaches the proxy. */
  host: string;
  port: number;
  /** Where a container on the run's network reaches the proxy (`toxiproxy:<port>` with the alias). */
  listenPort: number;
}

/**
 * A Toxiproxy container from faultline's own image. @testcontainers/toxiproxy 12 needs
 * Node 22 (through testcontainers 12 and undici 8), so this is the same idea on testcontainers 11:
 * a fixed pool of proxy ports is exposed and handed out by createProxy().
 */
export class ToxiproxyContainer extends GenericContainer {
  private readonly portCount: number;

  /** `proxyPorts`: how many proxy ports to publish (each costs the engine a port mapping). */
  constructor(image = imageRef("toxiproxy"), proxyPorts = PROXY_PORT_COUNT) {
    super(image);
    this.portCount = proxyPorts;
    const ports = Array.from({ length: proxyPorts }, (_, i) => FIRST_PROXY_PORT + i);
    this.withExposedPorts(TOXIPROXY_API_PORT, ...ports)
      .withLabels(runLabels())
      .withPullPolicy({ shouldPull: () => false })
      .withWaitStrategy(Wait.forHttp("/version", TOXIPROXY_API_PORT).withReadTimeout(200))
      .withStartupTimeout(30_000);
  }

  override async start(): Promise<StartedToxiproxyContainer> {
    bindPublishedPorts(this);
    return new StartedToxiproxyContainer(await super.start(), this.portCount);
  }
}

export class StartedToxiproxyContainer extends AbstractStartedContainer {
  readonly client: Toxiproxy;
  private nextPort = FIRST_PROXY_PORT;

  constructor(
    started: StartedTestContainer,
    private readonly portCount = PROXY_PORT_COUNT,
  ) {
    super(started);
    this.client = new Toxiproxy(this.apiUrl());
  }

  apiUrl(): string {
    return `http://${this.getHost()}:${this.getMappedPort(TOXIPROXY_API_PORT)}`;
  }

  /** Creates a proxy to `upstream` (host:port as the Toxiproxy container sees it) on the next free port. */
  async createProxy(name: string, upstream: string): Promise<CreatedProxy> {
    if (this.nextPort >= FIRST_PROXY_PORT + this.portCount) {
      throw new Error(
        `Toxiproxy: no free proxy port for "${name}": all ${this.portCount} ports (from ${FIRST_PROXY_PORT}) are in use`,
      );
    }
    const listenPort = this.nextPort++;
    const proxy = await this.client.createProxy({ name, listen: `0.0.0.0:${listenPort}`, upstream });
    return { proxy, host: this.getHost(), port: this.getMappedPort(listenPort), listenPort };
  }
}
