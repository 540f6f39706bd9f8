/**
 * A stack started earlier by `faultline up`, attached to by a later command (`--attach`): the
 * same operations as a StartedStack (URLs, edges, container faults), read from Docker and the
 * state file each time, so host ports that change on a restart are followed. It is neither
 * started nor stopped here.
 */
import type Docker from "dockerode";
import { Toxiproxy } from "toxiproxy-node-client";
import { docker, logText } from "../docker-client.ts";
import { sleep, waitUntil } from "../poll.ts";
import { EdgeHandle, type EdgeState } from "./edge.ts";
import type { Manifest } from "./manifest.ts";
import { containerPorts, liveUrls, type StackStateFile } from "./stack-state.ts";
import { type ContainerFault } from "./stack.ts";
import { edgeSpec } from "./stack-parts.ts";

export class AttachedStack {
  private readonly client: Toxiproxy;

  constructor(
    readonly manifest: Manifest,
    readonly state: StackStateFile,
  ) {
    this.client = new Toxiproxy(state.toxiproxyUrl);
  }

  get runId(): string {
    return this.state.runId;
  }

  get network(): { name: string } {
    return { name: this.state.network };
  }

  private container(name: string) {
    const c = this.state.containers.find((x) => x.name === name);
    if (!c)
      throw new Error(
        `No container "${name}" in the attached stack of "${this.manifest.name}"; known: ${this.containerNames().join(", ")}`,
      );
    return { ...c, handle: docker().getContainer(c.id) };
  }

  containerNames(): string[] {
    return this.state.containers.filter((c) => c.kind !== "toxiproxy").map((c) => c.name);
  }

  /**
   * Points the container's URLs at the host ports Docker publishes now (see liveUrls). A state file
   * written before it recorded container ports gets them from the manifest.
   */
  private followPorts(name: string, info: Docker.ContainerInspectInfo): void {
    const c = this.state.containers.find((x) => x.name === name)!;
    c.ports ??= containerPorts(this.manifest, c.name, c.kind);
    c.urls = liveUrls(c, info);
  }

  /** Synchronous URL as the state file recorded it (valid until a container restarts). */
  url(service: string, port: "http" | "grpc" = "http"): string {
    const c = this.container(service);
    const u = c.urls[port];
    if (!u) throw new Error(`Service "${service}" has no ${port} port`);
    return u;
  }

  postgresUrl(service: string): string {
    const env = this.environmentOf(service);
    const edge = this.manifest.edges.find((e) => e.from === service && e.toKind === "postgres");
    if (!edge) throw new Error(`Service "${service}" has no postgres dependency`);
    const dsn = new URL(env[edge.dependency.env]!);
    const pg = this.state.containers.find((c) => c.name === edge.to);
    if (!pg?.urls.postgres) throw new Error(`The attached stack's state has no host address for ${edge.to}`);
    dsn.host = pg.urls.postgres;
    return dsn.toString();
  }

  /** A container's whole log so far (stdout and stderr). */
  async logs(name: string): Promise<string> {
    const raw = (await this.container(name).handle.logs({
      stdout: true,
      stderr: true,
      follow: false,
    })) as Buffer;
    return logText(raw);
  }

  /** The trace backend's query API as the state file recorded it; undefined without `tracing:`. */
  traceQueryUrl(): string | undefined {
    return this.state.containers.find((c) => c.kind === "tracing")?.urls.query;
  }

  kafkaBrokers(): string[] {
    if (!this.state.kafkaBrokers) throw new Error(`Target "${this.manifest.name}" has no kafka`);
    return this.state.kafkaBrokers;
  }

  edgeNames(): string[] {
    return this.state.edges;
  }

  edge(name: string): EdgeHandle {
    const spec = edgeSpec(this.manifest, name, true, this.edgeNames());
    return new EdgeHandle(spec, this.client);
  }

  edgeStates(): Promise<EdgeState[]> {
    return Promise.all(this.edgeNames().map((n) => this.edge(n).state()));
  }

  async reset(): Promise<void> {
    await this.client.reset();
  }

  async containerState(name: string): Promise<string> {
    const info = await this.container(name).handle.inspect();
    return info.State.Paused ? "paused" : info.State.Status;
  }

  environmentOf(service: string): Record<string, string> {
    // Filled by attach(): Docker's inspect is async, the interface is not.
    const env = this.envs.get(service);
    if (!env) throw new Error(`No service "${service}" in the attached stack`);
    return { ...env };
  }

  private envs = new Map<string, Record<string, string>>();

  /** Reads what must be known synchronously (environments); call once after construction. */
  async load(): Promise<this> {
    for (const c of this.state.containers) {
      const info = await docker().getContainer(c.id).inspect();
      this.followPorts(c.name, info);
      this.envs.set(
        c.name,
        Object.fromEntries(
          (info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
        ),
      );
    }
    return this;
  }

  async fault(name: string, fault: ContainerFault): Promise<void> {
    const c = this.container(name);
    switch (fault) {
      case "kill":
        await c.handle.kill({ signal: "SIGKILL" });
        await c.handle.wait();
        return;
      case "stop":
        await c.handle.stop({ t: 10 });
        return;
      case "pause":
        await c.handle.pause();
        return;
      case "unpause":
        await c.handle.unpause();
        return;
      case "restart": {
        const info = await c.handle.inspect();
        if (info.State.Paused) await c.handle.unpause();
        await c.handle.restart({ t: 10 });
        await this.awaitReady(name);
        return;
      }
    }
  }

  /** After a restart the host ports may have changed: follow them, then wait for readiness. */
  private async awaitReady(name: string): Promise<void> {
    const c = this.state.containers.find((x) => x.name === name)!;
    const spec = this.manifest.services[name];
    const ready = async (): Promise<boolean> => {
      try {
        this.followPorts(name, await this.container(name).handle.inspect());
        if (spec) {
          const r = await fetch(`${c.urls.http}${spec.readiness}`, { signal: AbortSignal.timeout(1000) });
          return r.status === 200;
        }
        const kind = this.manifest.infrastructure[name]?.kind;
        if ((await this.containerState(name)) !== "running") return false;
        await sleep(kind === "kafka" ? 5000 : 1500); // no HTTP probe: give it its start time
        return true;
      } catch {
        return false; // not up yet
      }
    };
    await waitUntil(`${name} not ready`, ready, { timeoutMs: 90_000, intervalMs: 200 });
  }

  async replaceService(service: string): Promise<void> {
    throw new Error(
      `Cannot restart "${service}" with a sabotage switch on a stack attached with --attach; run without --attach (verify-detection and --sabotage start their own stack)`,
    );
  }
}
