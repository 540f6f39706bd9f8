import { randomBytes } from "node:crypto";
import type { StartedToxiProxyContainer } from "@testcontainers/toxiproxy";
import { Wait, type StartedTestContainer } from "testcontainers";
import { docker, dockerVersion, inspectImage, logText } from "../../docker-client.ts";
import { EdgeHandle, type EdgeState } from "../edge.ts";
import {
  createRunNetwork,
  onRunNetwork,
  managedContainer,
  managedToxiproxy,
  toxiproxyApiUrl,
  TOXIPROXY_PROXY_PORTS,
  type RunNetwork,
} from "../managed-container.ts";
import { imageByName, resolveImage } from "../../images/catalog.ts";
import type { Edge, Manifest } from "../manifest.ts";
import { LABEL_DETACHED, runId as currentRunId } from "../run-labels.ts";
import { applyEnvChange, edgeNamesOf, edgeSpec, serviceEnvironment } from "../stack-parts.ts";
import {
  HOST_KAFKA_EDGE,
  KAFKA_FIRST_EDGE_PORT,
  StackStartError,
  TRACING_OTLP_HTTP_PORT,
  TRACING_QUERY_PORT,
  type ContainerFault,
  type ContainerTiming,
  type ServiceState,
  type StackOptions,
  type StackTimings,
  type StartedStack,
} from "../stack-interface.ts";

const POSTGRES_READY = /database system is ready to accept connections/;
const KAFKA_READY = /Kafka Server started/;
/** The trace backend (Jaeger v2, an OpenTelemetry Collector): every pipeline started. */
const TRACING_READY = /Everything is ready/;

interface Running {
  name: string;
  kind: "service" | "postgres" | "kafka" | "tracing";
  container: StartedTestContainer;
}

const secret = () => randomBytes(12).toString("hex");
const dockerTime = (s: string) => new Date(s).getTime();

/** The Docker driver: one network, Toxiproxy first, every edge through it. */
export class DockerEnvironment {
  constructor(
    readonly manifest: Manifest,
    private readonly opts: StackOptions = {},
  ) {}

  async start(): Promise<DockerStack> {
    const m = this.manifest;
    const emit = this.opts.onEvent ?? (() => {});
    const t0 = Date.now();
    // One proxy per edge, plus the host's way to Kafka, from the module's fixed pool of ports.
    const hasKafka = Object.values(m.infrastructure).some((i) => i.kind === "kafka");
    if (m.edges.length + (hasKafka ? 1 : 0) > TOXIPROXY_PROXY_PORTS) {
      const most = TOXIPROXY_PROXY_PORTS - (hasKafka ? 1 : 0);
      throw new StackStartError(
        "toxiproxy",
        `Cannot start target "${m.name}" (${m.file}): its dependsOn entries make ${m.edges.length} edges, ` +
          `each a Toxiproxy proxy${hasKafka ? " (and one more for the host's way to Kafka)" : ""}, ` +
          `and one Toxiproxy has ${TOXIPROXY_PROXY_PORTS} proxy ports. ` +
          `Fix: list at most ${most} dependsOn entries in the manifest (split the target).`,
      );
    }

    await dockerVersion();

    // Preflight: every image exists locally, before any container starts.
    const images = [
      ...Object.entries(m.infrastructure).map(
        ([n, s]) => [n, s.image, imageByName(s.image) ? s.image : undefined] as const,
      ),
      // A service with `build:` is built under the image name <target>-<service> (targetImages).
      ...Object.entries(m.services).map(
        ([n, s]) =>
          [n, s.image, s.build ? `${m.name}-${n}` : imageByName(s.image) ? s.image : undefined] as const,
      ),
    ];
    const missing: string[] = [];
    for (const [name, image, buildName] of images) {
      if (!(await inspectImage(resolveImage(image))))
        missing.push(
          `${name}: image ${resolveImage(image)} is not ${buildName ? "built" : "on this machine"} (fix: ${
            buildName
              ? `faultline images build ${buildName}${m.file.startsWith("targets/") ? "" : ` --target ${m.file}`}`
              : "build it, or fix the manifest's image"
          })`,
        );
    }
    if (missing.length > 0) {
      throw new StackStartError(
        "images",
        `Cannot start target "${m.name}" (${m.file}): ${missing.length} image(s) missing:\n  ${missing.join("\n  ")}`,
      );
    }

    const extraLabels: Record<string, string> = this.opts.detached ? { [LABEL_DETACHED]: "true" } : {};
    const started: Running[] = [];
    const serviceEnv = new Map<string, Record<string, string>>();
    let network: RunNetwork | undefined;
    let toxiproxy: StartedToxiProxyContainer | undefined;
    const timings: ContainerTiming[] = [];
    const record = async (name: string, c: StartedTestContainer, readyAt: number) => {
      const info = await docker().getContainer(c.getId()).inspect();
      const created = dockerTime(info.Created);
      const startedAt = dockerTime(info.State.StartedAt);
      timings.push({
        name,
        createdAt: new Date(created).toISOString(),
        startedAt: new Date(startedAt).toISOString(),
        readyAt: new Date(readyAt).toISOString(),
        createdToStartedMs: startedAt - created,
        startedToReadyMs: readyAt - startedAt,
        createdToReadyMs: readyAt - created,
      });
      emit({ type: "ready", name, ms: readyAt - created });
    };

    try {
      emit({ type: "phase", phase: "network" });
      network = await createRunNetwork(`faultline-${m.name}`, extraLabels, [
        "toxiproxy",
        ...Object.keys(m.infrastructure),
        ...Object.keys(m.services),
      ]);
      const net = network;

      emit({ type: "phase", phase: "toxiproxy" });
      emit({ type: "starting", name: "toxiproxy" });
      toxiproxy = await onRunNetwork(
        managedToxiproxy(m.edges.length + (hasKafka ? 1 : 0)).withLabels(extraLabels),
        net.name,
        net.hosts,
        "toxiproxy",
      )
        .withName(`${network.name}-toxiproxy`)
        .start();
      await record("toxiproxy", toxiproxy, Date.now());

      // One proxy per edge, created before anything dials it.
      const kafkaName = Object.entries(m.infrastructure).find(([, s]) => s.kind === "kafka")?.[0];
      const kafkaEdges = m.edges.filter((e) => e.toKind === "kafka");
      const listenPorts = new Map<string, number>();
      const hostPorts = new Map<string, number>();
      const upstreamOf = (e: Edge): string => {
        switch (e.toKind) {
          case "service": {
            const target = m.services[e.to]!;
            const port = e.dependency.port ?? (target.ports.grpc ? "grpc" : "http");
            return `${e.to}:${target.ports[port]}`;
          }
          case "postgres":
            return `${e.to}:5432`;
          case "kafka":
            return `${e.to}:${KAFKA_FIRST_EDGE_PORT + kafkaEdges.indexOf(e)}`;
          case "tracing":
            return `${e.to}:${TRACING_OTLP_HTTP_PORT}`;
        }
      };
      for (const e of m.edges) {
        const p = await toxiproxy.createProxy({ name: e.name, upstream: upstreamOf(e) });
        const listenPort = Number(p.instance.listen.slice(p.instance.listen.lastIndexOf(":") + 1));
        listenPorts.set(e.name, listenPort);
        hostPorts.set(e.name, p.port);
        emit({ type: "proxy", name: e.name, listen: `toxiproxy:${listenPort}`, upstream: upstreamOf(e) });
      }
      let hostKafka: { host: string; port: number } | undefined;
      if (kafkaName) {
        const p = await toxiproxy.createProxy({
          name: HOST_KAFKA_EDGE,
          upstream: `${kafkaName}:${KAFKA_FIRST_EDGE_PORT + kafkaEdges.length}`,
        });
        hostKafka = { host: p.host, port: p.port };
        emit({
          type: "proxy",
          name: HOST_KAFKA_EDGE,
          listen: `${p.host}:${p.port}`,
          upstream: `${kafkaName}:${KAFKA_FIRST_EDGE_PORT + kafkaEdges.length}`,
        });
      }

      // Infrastructure, in parallel.
      emit({ type: "phase", phase: "infrastructure" });
      const credentials = new Map<string, { database: string; password: string }>();
      await Promise.all(
        Object.entries(m.infrastructure).map(async ([name, spec]) => {
          emit({ type: "starting", name });
          let c = onRunNetwork(
            managedContainer(resolveImage(spec.image)).withLabels(extraLabels),
            net.name,
            net.hosts,
            name,
          )
            .withName(`${net.name}-${name}`)
            .withStartupTimeout(spec.startupTimeout * 1000);
          if (spec.kind === "postgres") {
            const dbs: string[] = [];
            for (const e of m.edges.filter((x) => x.to === name)) {
              const database = e.dependency.database ?? e.from.replace(/-/g, "_");
              const existing = [...credentials.values()].find((x) => x.database === database);
              const cred = existing ?? { database, password: secret() };
              credentials.set(e.name, cred);
              if (!existing) dbs.push(`${database}:${cred.password}`);
            }
            c = c
              .withEnvironment({
                POSTGRES_PASSWORD: secret(),
                PG_DATABASES: dbs.join(","),
                PG_FSYNC: "off",
                ...spec.env,
              })
              .withExposedPorts(5432)
              .withWaitStrategy(Wait.forLogMessage(POSTGRES_READY));
          } else if (spec.kind === "tracing") {
            c = c
              .withEnvironment(spec.env)
              .withExposedPorts(TRACING_QUERY_PORT)
              .withWaitStrategy(Wait.forLogMessage(TRACING_READY));
          } else {
            const names = kafkaEdges.map((_, i) => `EDGE${i}`);
            const ports = kafkaEdges.map((_, i) => KAFKA_FIRST_EDGE_PORT + i);
            const hostPort = KAFKA_FIRST_EDGE_PORT + kafkaEdges.length;
            const listeners = [
              "PLAINTEXT://0.0.0.0:9092",
              "CONTROLLER://0.0.0.0:9093",
              ...names.map((n, i) => `${n}://0.0.0.0:${ports[i]}`),
              `HOST://0.0.0.0:${hostPort}`,
            ];
            const advertised = [
              `PLAINTEXT://${name}:9092`,
              ...kafkaEdges.map((e, i) => `${names[i]}://toxiproxy:${listenPorts.get(e.name)}`),
              `HOST://${hostKafka!.host}:${hostKafka!.port}`,
            ];
            c = c
              .withEnvironment({
                KAFKA_CFG_LISTENERS: listeners.join(","),
                KAFKA_CFG_ADVERTISED_LISTENERS: advertised.join(","),
                KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: ["CONTROLLER", "PLAINTEXT", ...names, "HOST"]
                  .map((n) => `${n}:PLAINTEXT`)
                  .join(","),
                ...spec.env,
              })
              .withWaitStrategy(Wait.forLogMessage(KAFKA_READY));
          }
          const container = await c.start().catch((err: unknown) => {
            throw new StackStartError(
              name,
              `${name} (${spec.kind}) did not become ready: ${(err as Error).message}`,
            );
          });
          started.push({ name, kind: spec.kind, container });
          await record(name, container, Date.now());
        }),
      );

      // Services, level by level; each level in parallel.
      for (const level of m.levels) {
        emit({ type: "phase", phase: `services: ${level.join(", ")}` });
        await Promise.all(
          level.map(async (svc) => {
            const spec = m.services[svc]!;
            emit({ type: "starting", name: svc });
            const env: Record<string, string> = { ...spec.env };
            for (const e of m.edges.filter((x) => x.from === svc)) {
              const addr = `toxiproxy:${listenPorts.get(e.name)}`;
              if (e.toKind === "postgres") {
                const cred = credentials.get(e.name)!;
                env[e.dependency.env] =
                  `postgres://${cred.database}:${cred.password}@${addr}/${cred.database}?sslmode=disable`;
              } else if (e.toKind === "tracing") {
                env[e.dependency.env] = `http://${addr}`; // OTLP/HTTP takes a URL
                const delay = m.tracing?.batchDelayMs;
                if (delay != null && spec.env.OTEL_BSP_SCHEDULE_DELAY === undefined)
                  env.OTEL_BSP_SCHEDULE_DELAY = String(delay);
              } else {
                env[e.dependency.env] = addr;
              }
            }
            Object.assign(env, this.opts.env?.[svc] ?? {});
            serviceEnv.set(svc, env);
            const container = await startServiceContainer(m, svc, net, env, extraLabels);
            started.push({ name: svc, kind: "service", container });
            await record(svc, container, Date.now());
          }),
        );
      }
      const readyAt = Date.now();
      return new DockerStack(
        m,
        currentRunId(),
        network,
        toxiproxy,
        started,
        credentials,
        hostKafka,
        {
          startedAt: new Date(t0).toISOString(),
          readyAt: new Date(readyAt).toISOString(),
          totalMs: readyAt - t0,
          containers: timings,
        },
        serviceEnv,
        extraLabels,
      );
    } catch (err) {
      // Leave nothing behind from a failed start.
      await Promise.allSettled(started.map((s) => s.container.stop({ remove: true, removeVolumes: true })));
      await toxiproxy?.stop({ remove: true }).catch(() => undefined);
      await network?.remove().catch(() => undefined);
      throw err;
    }
  }
}

/** Starts one service of the manifest on the run's network and waits for its readiness. */
async function startServiceContainer(
  m: Manifest,
  svc: string,
  network: Pick<RunNetwork, "name" | "hosts">,
  env: Record<string, string>,
  extraLabels: Record<string, string>,
  image?: string,
): Promise<StartedTestContainer> {
  const spec = m.services[svc]!;
  const ports = [spec.ports.http, ...(spec.ports.grpc ? [spec.ports.grpc] : [])];
  return onRunNetwork(
    managedContainer(image ?? resolveImage(spec.image)).withLabels(extraLabels),
    network.name,
    network.hosts,
    svc,
  )
    .withName(`${network.name}-${svc}`)
    .withEnvironment(env)
    .withExposedPorts(...ports)
    .withWaitStrategy(
      // Testcontainers retries every readTimeout (1 s by default): poll every 200 ms
      // instead, and fail at once if the service exits rather than at the timeout.
      Wait.forHttp(spec.readiness, spec.ports.http, { abortOnContainerExit: true })
        .forStatusCode(200)
        .withReadTimeout(200),
    )
    .withStartupTimeout(spec.startupTimeout * 1000)
    .start()
    .catch(async (err: unknown) => {
      throw new StackStartError(
        svc,
        `service ${svc} did not become ready on ${spec.readiness}: ${(err as Error).message}${await lastLogs(`${network.name}-${svc}`)}`,
      );
    });
}

async function lastLogs(containerName: string, lines = 20): Promise<string> {
  try {
    const raw = (await docker()
      .getContainer(containerName)
      .logs({ stdout: true, stderr: true, tail: lines })) as Buffer;
    return `\n  last log lines of ${containerName}:\n${logText(raw)
      .trimEnd()
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n")}`;
  } catch {
    return "";
  }
}

/** A stack on Docker: URLs, edges, container faults, logs. `await using` stops it. */
export class DockerStack implements StartedStack {
  readonly driver = "docker" as const;
  readonly unsupportedFaults = {};
  private stopped = false;

  constructor(
    readonly manifest: Manifest,
    readonly runId: string,
    readonly network: RunNetwork,
    readonly toxiproxy: StartedToxiProxyContainer,
    private readonly running: Running[],
    private readonly credentials: Map<string, { database: string; password: string }>,
    private readonly hostKafka: { host: string; port: number } | undefined,
    readonly timings: StackTimings,
    private readonly serviceEnv: Map<string, Record<string, string>> = new Map(),
    private readonly extraLabels: Record<string, string> = {},
  ) {}

  /** The environment a service was started with (its edges' addresses included). */
  environmentOf(service: string): Record<string, string> {
    return serviceEnvironment(this.manifest, this.serviceEnv, service);
  }

  /**
   * Replaces a service's container by one with a changed environment (a sabotage switch on or
   * off), under the same name and network alias, so its callers reach it through the same edges.
   * Waits for its readiness. A variable set to undefined is removed. `image` runs another image
   * in its place (a mutant's, `faultline mutate`); without it, the manifest's.
   */
  async replaceService(
    service: string,
    change: Record<string, string | undefined>,
    opts: { image?: string } = {},
  ): Promise<void> {
    const env = applyEnvChange(this.environmentOf(service), change);
    const i = this.running.findIndex((r) => r.name === service);
    await this.running[i]!.container.stop({ remove: true, timeout: 5000 });
    const container = await startServiceContainer(
      this.manifest,
      service,
      this.network,
      env,
      this.extraLabels,
      opts.image,
    );
    this.running[i] = { name: service, kind: "service", container };
    this.serviceEnv.set(service, env);
  }

  private get(name: string): Running {
    const r = this.running.find((x) => x.name === name);
    if (!r)
      throw new Error(
        `No container "${name}" in target "${this.manifest.name}"; known: ${this.running.map((x) => x.name).join(", ")}`,
      );
    return r;
  }

  /** A service's URL from this host: `http://host:port` for http, `host:port` for grpc. */
  url(service: string, port: "http" | "grpc" = "http"): string {
    const spec = this.manifest.services[service];
    if (!spec)
      throw new Error(
        `No service "${service}" in target "${this.manifest.name}"; services: ${Object.keys(this.manifest.services).join(", ")}`,
      );
    const p = spec.ports[port];
    if (!p) throw new Error(`Service "${service}" has no ${port} port`);
    const c = this.get(service).container;
    const hostPort = `${c.getHost()}:${c.getMappedPort(p)}`;
    return port === "http" ? `http://${hostPort}` : hostPort;
  }

  /** The entry point's URL (the manifest's `entrypoint`, e.g. the gateway). */
  get entrypointUrl(): string {
    const e = this.manifest.entrypoint ?? Object.keys(this.manifest.services)[0]!;
    return this.url(e);
  }

  get toxiproxyUrl(): string {
    return toxiproxyApiUrl(this.toxiproxy);
  }

  /** The trace backend's query API from this host (direct, not through an edge); undefined without `tracing:`. */
  traceQueryUrl(): string | undefined {
    const r = this.running.find((x) => x.kind === "tracing");
    return r ? `http://${r.container.getHost()}:${r.container.getMappedPort(TRACING_QUERY_PORT)}` : undefined;
  }

  /** Kafka's bootstrap address for clients on this host; it goes through the `host->kafka` edge. */
  kafkaBrokers(): string[] {
    if (!this.hostKafka) throw new Error(`Target "${this.manifest.name}" has no kafka`);
    return [`${this.hostKafka.host}:${this.hostKafka.port}`];
  }

  /** A DSN for a service's database from this host (direct, not through an edge): for invariant checks. */
  postgresUrl(service: string): string {
    const entry = [...this.credentials.entries()].find(([edge]) => edge.startsWith(`${service}->`));
    if (!entry) throw new Error(`Service "${service}" has no postgres dependency`);
    const [edge, cred] = entry;
    const pg = this.get(edge.split("->")[1]!).container;
    return `postgres://${cred.database}:${cred.password}@${pg.getHost()}:${pg.getMappedPort(5432)}/${cred.database}?sslmode=disable`;
  }

  edgeNames(): string[] {
    return edgeNamesOf(this.manifest, Boolean(this.hostKafka));
  }

  /** The edge named `from->to`; unknown names list the known ones. */
  edge(name: string): EdgeHandle {
    const spec = edgeSpec(this.manifest, name, Boolean(this.hostKafka), this.edgeNames());
    return new EdgeHandle(spec, this.toxiproxy.client);
  }

  async edgeStates(): Promise<EdgeState[]> {
    return Promise.all(this.edgeNames().map((n) => this.edge(n).state()));
  }

  /** Removes every toxic and re-enables every edge (Toxiproxy's reset). */
  async reset(): Promise<void> {
    await this.toxiproxy.client.reset();
  }

  /** Docker's state of one of the stack's containers: running, paused, exited, ... */
  async containerState(name: string): Promise<string> {
    const info = await docker().getContainer(this.get(name).container.getId()).inspect();
    return info.State.Paused ? "paused" : info.State.Status;
  }

  containerNames(): string[] {
    return this.running.map((r) => r.name);
  }

  /** A container fault on a service or infrastructure container. restart waits for readiness again. */
  async fault(name: string, fault: ContainerFault): Promise<void> {
    const r = this.get(name);
    const c = docker().getContainer(r.container.getId());
    switch (fault) {
      case "kill":
        await c.kill({ signal: "SIGKILL" });
        await c.wait();
        return;
      case "stop":
        await c.stop({ t: 10 });
        return;
      case "pause":
        await c.pause();
        return;
      case "unpause":
        await c.unpause();
        return;
      case "restart": {
        const info = await c.inspect();
        if (info.State.Paused) await c.unpause();
        // testcontainers' restart re-reads the mapped ports and waits on the readiness check again.
        await r.container.restart({ timeout: 10_000 });
        return;
      }
    }
  }

  kill(name: string) {
    return this.fault(name, "kill");
  }
  stopService(name: string) {
    return this.fault(name, "stop");
  }
  pause(name: string) {
    return this.fault(name, "pause");
  }
  unpause(name: string) {
    return this.fault(name, "unpause");
  }
  restart(name: string) {
    return this.fault(name, "restart");
  }

  /** A container's whole log so far (stdout and stderr). */
  async logs(name: string, opts: { tail?: number } = {}): Promise<string> {
    const raw = (await docker()
      .getContainer(this.get(name).container.getId())
      .logs({
        stdout: true,
        stderr: true,
        follow: false,
        ...(opts.tail ? { tail: opts.tail } : {}),
      })) as Buffer;
    return logText(raw);
  }

  async states(): Promise<ServiceState[]> {
    const out: ServiceState[] = [];
    for (const r of [
      { name: "toxiproxy", kind: "toxiproxy" as const, container: this.toxiproxy as StartedTestContainer },
      ...this.running,
    ]) {
      const info = await docker().getContainer(r.container.getId()).inspect();
      const urls: Record<string, string> = {};
      let ready: boolean | undefined;
      if (r.kind === "service" && info.State.Running && !info.State.Paused) {
        urls.http = this.url(r.name);
        if (this.manifest.services[r.name]!.ports.grpc) urls.grpc = this.url(r.name, "grpc");
        ready = await fetch(`${urls.http}${this.manifest.services[r.name]!.readiness}`, {
          signal: AbortSignal.timeout(2000),
        })
          .then((res) => res.status === 200)
          .catch(() => false);
      }
      if (r.kind === "toxiproxy") urls.api = this.toxiproxyUrl;
      if (r.kind === "postgres" && info.State.Running)
        urls.postgres = `${r.container.getHost()}:${r.container.getMappedPort(5432)}`;
      if (r.kind === "tracing" && info.State.Running) urls.query = this.traceQueryUrl()!;
      out.push({
        name: r.name,
        kind: r.kind,
        container: info.Name.replace(/^\//, ""),
        state: info.State.Paused ? "paused" : info.State.Status,
        ready,
        urls,
      });
    }
    return out;
  }

  /** Removes every container and the network of this stack. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(
      this.running.map((r) => r.container.stop({ remove: true, removeVolumes: true, timeout: 5000 })),
    );
    await this.toxiproxy.stop({ remove: true, timeout: 2000 }).catch(() => undefined);
    await this.network.remove();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
