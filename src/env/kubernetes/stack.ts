/**
 * The Kubernetes driver: the manifest's infrastructure as StatefulSets, its services and
 * Toxiproxy as Deployments, a Service for each, in a namespace of the run's own; every edge
 * through Toxiproxy in the cluster (the same edge names and proxies as on Docker). The host
 * reaches pods only through port-forwards bound to 127.0.0.1.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, type KubernetesObject, type V1Pod } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Toxiproxy } from "toxiproxy-node-client";
import { binDir, volumesDir } from "../../cluster/layout.ts";
import { importImages } from "../../cluster/node-images.ts";
import { apply, patchObject } from "../../cluster/api.ts";
import { imageRef, resolveImage } from "../../images/catalog.ts";
import { pollUntil } from "../../poll.ts";
import { EdgeHandle, type EdgeState } from "../edge.ts";
import type { Edge, Manifest } from "../manifest.ts";
import { LABEL_DETACHED, runId as currentRunId } from "../run-labels.ts";
import { applyEnvChange, edgeNamesOf, edgeSpec, serviceEnvironment } from "../stack-parts.ts";
import {
  HOST_KAFKA_EDGE,
  KAFKA_FIRST_EDGE_PORT,
  StackStartError,
  TRACING_OTLP_HTTP_PORT,
  TRACING_QUERY_PORT,
  UnsupportedFault,
  type ContainerFault,
  type ContainerTiming,
  type ServiceState,
  type StackOptions,
  type StackTimings,
  type StartedStack,
} from "../stack-interface.ts";
import { createNamespace, deleteNamespace, kubeClient, namespaceLabels, ownCluster } from "./namespaces.ts";
import { APP_LABEL, httpProbe, namespaceName, tcpProbe, workloadObjects, type Workload } from "./objects.ts";
import { freePort, LoopbackForward } from "./port-forward.ts";

const TOXIPROXY_API_PORT = 8474;
const FIRST_PROXY_PORT = 8666;
/** The images' data directories and their users (scripts/images/postgres, scripts/images/kafka). */
const POSTGRES_DATA = { mountPath: "/var/lib/postgresql/data", owner: "postgres:postgres" };
const KAFKA_DATA = { mountPath: "/var/lib/kafka/data", owner: "1000:1000" };

const PAUSE_WHY =
  "a pod's containers cannot be frozen through the Kubernetes API (no pause verb; the kubelet owns the cgroup)";

type Kind = "service" | "postgres" | "kafka" | "tracing" | "toxiproxy";
interface Component {
  name: string;
  kind: Kind;
  workload: "Deployment" | "StatefulSet";
}

const secret = () => randomBytes(12).toString("hex");

/** The proxy upstream of an edge: the target's Service name and port, resolved by cluster DNS. */
function upstreamOf(m: Manifest, e: Edge, kafkaEdges: Edge[]): string {
  switch (e.toKind) {
    case "service": {
      const t = m.services[e.to]!;
      return `${e.to}:${t.ports[e.dependency.port ?? (t.ports.grpc ? "grpc" : "http")]}`;
    }
    case "postgres":
      return `${e.to}:5432`;
    case "kafka":
      return `${e.to}:${KAFKA_FIRST_EDGE_PORT + kafkaEdges.indexOf(e)}`;
    case "tracing":
      return `${e.to}:${TRACING_OTLP_HTTP_PORT}`;
  }
}

export class KubernetesEnvironment {
  constructor(
    readonly manifest: Manifest,
    private readonly opts: StackOptions = {},
  ) {}

  async start(): Promise<KubernetesStack> {
    const m = this.manifest;
    const emit = this.opts.onEvent ?? (() => {});
    const t0 = Date.now();
    const kc = kubeClient(this.opts.kubernetes);
    const runId = currentRunId();
    const ns = this.opts.kubernetes?.namespace ?? namespaceName(m.name, runId, secret().slice(0, 5));
    const labels = namespaceLabels(this.opts.detached ? { [LABEL_DETACHED]: "true" } : {});

    emit({ type: "phase", phase: "images" });
    const refs = [
      imageRef("toxiproxy"),
      ...Object.values(m.infrastructure).map((s) => resolveImage(s.image)),
      ...Object.values(m.services).map((s) => resolveImage(s.image)),
    ];
    await importImages(binDir(), [...new Set(refs)]).catch((err: unknown) => {
      throw new StackStartError("images", (err as Error).message);
    });

    emit({ type: "phase", phase: `namespace ${ns}` });
    await createNamespace(kc, ns, labels);
    const stack = new KubernetesStack(m, runId, kc, ns);
    // On the project's own cluster the node is this machine: data survives a pod kill (hostPath).
    if (ownCluster(this.opts.kubernetes)) stack.volumes = path.join(volumesDir(), ns);
    try {
      await stack.deploy(this.opts, labels, emit);
      const readyAt = Date.now();
      stack.timings = {
        startedAt: new Date(t0).toISOString(),
        readyAt: new Date(readyAt).toISOString(),
        totalMs: readyAt - t0,
        containers: stack.timings.containers,
      };
      return stack;
    } catch (err) {
      await stack.stop().catch(() => undefined);
      throw err;
    }
  }
}

/** A stack on Kubernetes. `await using` deletes its namespace. */
export class KubernetesStack implements StartedStack {
  readonly driver = "kubernetes" as const;
  readonly unsupportedFaults = { pause: PAUSE_WHY, unpause: PAUSE_WHY };
  readonly unsupportedLoad =
    "the load runner (declarative scenarios and k6 scripts) starts as a Docker container on the run's network; it does not run as a pod yet";
  readonly network: { name: string };
  timings: StackTimings = { startedAt: "", readyAt: "", totalMs: 0, containers: [] };
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly components: Component[] = [];
  private readonly forwards = new Map<string, LoopbackForward>();
  private readonly serviceEnv = new Map<string, Record<string, string>>();
  private readonly credentials = new Map<string, { database: string; password: string }>();
  private readonly images = new Map<string, string>();
  private toxiproxy!: Toxiproxy;
  private hostKafkaPort: number | undefined;
  private podLabels: Record<string, string> = {};
  private stopped = false;
  /** Where the infrastructure's data lives on the node (hostPath); unset: emptyDir (a pod kill loses it). */
  volumes?: string;

  constructor(
    readonly manifest: Manifest,
    readonly runId: string,
    private readonly kc: KubeConfig,
    readonly namespace: string,
  ) {
    this.network = { name: namespace };
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  /** Toxiproxy and its proxies, then the infrastructure, then the services level by level. */
  async deploy(
    opts: StackOptions,
    labels: Record<string, string>,
    emit: NonNullable<StackOptions["onEvent"]>,
  ): Promise<void> {
    const m = this.manifest;
    this.podLabels = labels;
    const kafkaName = Object.entries(m.infrastructure).find(([, s]) => s.kind === "kafka")?.[0];
    const kafkaEdges = m.edges.filter((e) => e.toKind === "kafka");
    const proxies = m.edges.length + (kafkaName ? 1 : 0);

    emit({ type: "phase", phase: "toxiproxy" });
    const proxyPorts = Object.fromEntries(
      Array.from({ length: proxies }, (_, i) => [`p${i}`, FIRST_PROXY_PORT + i]),
    );
    await this.launch(
      { name: "toxiproxy", kind: "toxiproxy", workload: "Deployment" },
      { image: imageRef("toxiproxy"), env: {}, ports: { api: TOXIPROXY_API_PORT, ...proxyPorts } },
      tcpProbe(TOXIPROXY_API_PORT),
      60,
      emit,
    );
    const api = await this.forward("toxiproxy", TOXIPROXY_API_PORT);
    this.toxiproxy = new Toxiproxy(`http://127.0.0.1:${api}`);
    const listen = new Map<string, number>();
    for (const [i, e] of m.edges.entries()) {
      const upstream = upstreamOf(m, e, kafkaEdges);
      await this.toxiproxy.createProxy({ name: e.name, listen: `0.0.0.0:${FIRST_PROXY_PORT + i}`, upstream });
      listen.set(e.name, FIRST_PROXY_PORT + i);
      emit({ type: "proxy", name: e.name, listen: `toxiproxy:${FIRST_PROXY_PORT + i}`, upstream });
    }
    if (kafkaName) {
      const port = FIRST_PROXY_PORT + m.edges.length;
      const upstream = `${kafkaName}:${KAFKA_FIRST_EDGE_PORT + kafkaEdges.length}`;
      await this.toxiproxy.createProxy({ name: HOST_KAFKA_EDGE, listen: `0.0.0.0:${port}`, upstream });
      // Kafka advertises the host's listener as this loopback port, known before Kafka starts.
      this.hostKafkaPort = await this.forward("toxiproxy", port, await freePort(), HOST_KAFKA_EDGE);
      emit({ type: "proxy", name: HOST_KAFKA_EDGE, listen: `127.0.0.1:${this.hostKafkaPort}`, upstream });
    }

    emit({ type: "phase", phase: "infrastructure" });
    await Promise.all(
      Object.keys(m.infrastructure).map((name) => this.launchInfra(name, kafkaEdges, listen, emit)),
    );
    for (const level of m.levels) {
      emit({ type: "phase", phase: `services: ${level.join(", ")}` });
      await Promise.all(level.map((svc) => this.launchService(svc, listen, opts, emit)));
    }
  }

  private async launchInfra(
    name: string,
    kafkaEdges: Edge[],
    listen: Map<string, number>,
    emit: NonNullable<StackOptions["onEvent"]>,
  ): Promise<void> {
    const m = this.manifest;
    const spec = m.infrastructure[name]!;
    const c: Component = { name, kind: spec.kind, workload: "StatefulSet" };
    const image = resolveImage(spec.image);
    if (spec.kind === "postgres") {
      const dbs: string[] = [];
      for (const e of m.edges.filter((x) => x.to === name)) {
        const database = e.dependency.database ?? e.from.replace(/-/g, "_");
        const existing = [...this.credentials.values()].find((x) => x.database === database);
        const cred = existing ?? { database, password: secret() };
        this.credentials.set(e.name, cred);
        if (!existing) dbs.push(`${database}:${cred.password}`);
      }
      const env = { POSTGRES_PASSWORD: secret(), PG_DATABASES: dbs.join(","), PG_FSYNC: "off", ...spec.env };
      await this.launch(
        c,
        { image, env, ports: { postgres: 5432 }, data: this.dataOf(name, POSTGRES_DATA) },
        tcpProbe(5432),
        spec.startupTimeout,
        emit,
      );
      await this.forward(name, 5432);
    } else if (spec.kind === "tracing") {
      const ports = { otlp: TRACING_OTLP_HTTP_PORT, query: TRACING_QUERY_PORT };
      await this.launch(
        c,
        { image, env: spec.env, ports },
        tcpProbe(TRACING_QUERY_PORT),
        spec.startupTimeout,
        emit,
      );
      await this.forward(name, TRACING_QUERY_PORT);
    } else {
      const names = kafkaEdges.map((_, i) => `EDGE${i}`);
      const hostPort = KAFKA_FIRST_EDGE_PORT + kafkaEdges.length;
      const ports: Record<string, number> = { plaintext: 9092 };
      kafkaEdges.forEach((_, i) => (ports[`edge${i}`] = KAFKA_FIRST_EDGE_PORT + i));
      ports.host = hostPort;
      const env = {
        KAFKA_CFG_LISTENERS: [
          "PLAINTEXT://0.0.0.0:9092",
          "CONTROLLER://0.0.0.0:9093",
          ...names.map((n, i) => `${n}://0.0.0.0:${KAFKA_FIRST_EDGE_PORT + i}`),
          `HOST://0.0.0.0:${hostPort}`,
        ].join(","),
        KAFKA_CFG_ADVERTISED_LISTENERS: [
          `PLAINTEXT://${name}:9092`,
          ...kafkaEdges.map((e, i) => `${names[i]}://toxiproxy:${listen.get(e.name)}`),
          `HOST://127.0.0.1:${this.hostKafkaPort}`,
        ].join(","),
        KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: ["CONTROLLER", "PLAINTEXT", ...names, "HOST"]
          .map((n) => `${n}:PLAINTEXT`)
          .join(","),
        ...spec.env,
      };
      await this.launch(
        c,
        { image, env, ports, data: this.dataOf(name, KAFKA_DATA) },
        tcpProbe(9092),
        spec.startupTimeout,
        emit,
      );
    }
  }

  private async launchService(
    svc: string,
    listen: Map<string, number>,
    opts: StackOptions,
    emit: NonNullable<StackOptions["onEvent"]>,
  ): Promise<void> {
    const m = this.manifest;
    const spec = m.services[svc]!;
    const env: Record<string, string> = { ...spec.env };
    for (const e of m.edges.filter((x) => x.from === svc)) {
      const addr = `toxiproxy:${listen.get(e.name)}`;
      if (e.toKind === "postgres") {
        const cred = this.credentials.get(e.name)!;
        env[e.dependency.env] =
          `postgres://${cred.database}:${cred.password}@${addr}/${cred.database}?sslmode=disable`;
      } else if (e.toKind === "tracing") {
        env[e.dependency.env] = `http://${addr}`;
        const delay = m.tracing?.batchDelayMs;
        if (delay != null && spec.env.OTEL_BSP_SCHEDULE_DELAY === undefined)
          env.OTEL_BSP_SCHEDULE_DELAY = String(delay);
      } else env[e.dependency.env] = addr;
    }
    Object.assign(env, opts.env?.[svc] ?? {});
    this.serviceEnv.set(svc, env);
    const ports: Record<string, number> = {
      http: spec.ports.http,
      ...(spec.ports.grpc ? { grpc: spec.ports.grpc } : {}),
    };
    await this.launch(
      { name: svc, kind: "service", workload: "Deployment" },
      { image: resolveImage(spec.image), env, ports },
      httpProbe(spec.readiness, spec.ports.http),
      spec.startupTimeout,
      emit,
    );
    for (const p of Object.values(ports)) await this.forward(svc, p);
  }

  /** Applies a component's objects and waits for its readiness probe, recording its timing. */
  /** A component's data volume: on the node when the stack has one, else emptyDir. */
  private dataOf(name: string, d: { mountPath: string; owner: string }): Workload["data"] {
    return { ...d, ...(this.volumes ? { hostPath: path.join(this.volumes, name) } : {}) };
  }

  private async launch(
    c: Component,
    w: Pick<Workload, "image" | "env" | "ports" | "data">,
    readiness: Workload["readiness"],
    timeoutS: number,
    emit: NonNullable<StackOptions["onEvent"]>,
  ): Promise<void> {
    emit({ type: "starting", name: c.name });
    this.images.set(c.name, w.image);
    const objects = workloadObjects({
      name: c.name,
      kind: c.workload,
      readiness,
      labels: this.podLabels,
      ...w,
    });
    await apply(
      this.kc,
      objects.map(
        (o) => ({ ...o, metadata: { ...o.metadata, namespace: this.namespace } }) as KubernetesObject,
      ),
    );
    this.components.push(c);
    const pod = await this.waitReady(c, timeoutS * 1000);
    const readyAt = Date.now();
    const created = new Date(pod.metadata!.creationTimestamp!).getTime();
    const st = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
    const started = st ? new Date(st).getTime() : created;
    const t: ContainerTiming = {
      name: c.name,
      createdAt: new Date(created).toISOString(),
      startedAt: new Date(started).toISOString(),
      readyAt: new Date(readyAt).toISOString(),
      createdToStartedMs: started - created,
      startedToReadyMs: readyAt - started,
      createdToReadyMs: readyAt - created,
    };
    this.timings.containers.push(t);
    emit({ type: "ready", name: c.name, ms: t.createdToReadyMs });
  }

  private async pods(name: string): Promise<V1Pod[]> {
    const list = await this.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `${APP_LABEL}=${name}`,
    });
    return list.items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  private static ready(p: V1Pod): boolean {
    return p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false;
  }

  /** Waits until one pod of the component is Ready (and, with `not`, is none of those pods). */
  private async waitReady(c: Component, timeoutMs: number, not: string[] = []): Promise<V1Pod> {
    const r = await pollUntil(
      async () => (await this.pods(c.name)).filter((p) => !not.includes(p.metadata!.uid!)),
      (ps) => ps.length === 1 && KubernetesStack.ready(ps[0]!),
      { timeoutMs, intervalMs: 250 },
    );
    if (r.done) return r.value[0]!;
    throw new StackStartError(
      c.name,
      `${c.name} (${c.kind}) did not become ready within ${timeoutMs / 1000} s in namespace ${this.namespace}` +
        `${await this.podStory(c.name)}`,
    );
  }

  private async podStory(name: string): Promise<string> {
    const p = (await this.pods(name).catch(() => []))[0];
    if (!p) return ": no pod";
    const s = p.status?.containerStatuses?.[0];
    const waiting = s?.state?.waiting ? ` (${s.state.waiting.reason}: ${s.state.waiting.message ?? ""})` : "";
    const log = await this.logs(name, { tail: 20 }).catch(() => "");
    return `: pod ${p.metadata!.name} ${p.status?.phase}${waiting}${log ? `\n  last log lines:\n${log.trimEnd().replace(/^/gm, "    ")}` : ""}`;
  }

  /** A loopback port forwarding to a component's port (reopened on the current pod per connection). */
  private async forward(name: string, port: number, local = 0, key = `${name}:${port}`): Promise<number> {
    const f = await LoopbackForward.open(this.kc, this.namespace, `${APP_LABEL}=${name}`, port, local);
    this.forwards.set(key, f);
    return f.port;
  }

  private local(name: string, port: number): number {
    const f = this.forwards.get(`${name}:${port}`);
    if (!f) throw new Error(`No forward to ${name}:${port} in namespace ${this.namespace}`);
    return f.port;
  }

  private get(name: string): Component {
    const c = this.components.find((x) => x.name === name);
    if (!c)
      throw new Error(
        `No container "${name}" in target "${this.manifest.name}"; known: ${this.containerNames().join(", ")}`,
      );
    return c;
  }

  environmentOf(service: string): Record<string, string> {
    return serviceEnvironment(this.manifest, this.serviceEnv, service);
  }

  /** Rolls the service's Deployment to a changed environment (or image) and waits for its new pod. */
  async replaceService(
    service: string,
    change: Record<string, string | undefined>,
    opts: { image?: string } = {},
  ): Promise<void> {
    const env = applyEnvChange(this.environmentOf(service), change);
    if (opts.image) await importImages(binDir(), [opts.image]);
    const before = (await this.pods(service)).map((p) => p.metadata!.uid!);
    const image = opts.image ?? this.images.get(service)!;
    await this.patchDeployment(service, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: service,
                image,
                // A strategic merge patch merges env by name: a removed variable must be deleted.
                env: [
                  ...Object.entries(env).map(([name, value]) => ({ name, value })),
                  ...Object.keys(change)
                    .filter((k) => change[k] === undefined)
                    .map((name) => ({ name, $patch: "delete" })),
                ],
              },
            ],
          },
        },
      },
    });
    this.serviceEnv.set(service, env);
    await this.waitReady(this.get(service), this.manifest.services[service]!.startupTimeout * 1000, before);
  }

  /** Changes the fields `body` names of a workload (a strategic merge patch); the rest stay. */
  private async patchDeployment(name: string, body: object, kind = "Deployment"): Promise<void> {
    const o = { apiVersion: "apps/v1", kind, metadata: { name, namespace: this.namespace } };
    const merged = JSON.parse(JSON.stringify({ ...o, ...body })) as KubernetesObject;
    await patchObject(this.kc, merged);
  }

  url(service: string, port: "http" | "grpc" = "http"): string {
    const spec = this.manifest.services[service];
    if (!spec)
      throw new Error(
        `No service "${service}" in target "${this.manifest.name}"; services: ${Object.keys(this.manifest.services).join(", ")}`,
      );
    const p = spec.ports[port];
    if (!p) throw new Error(`Service "${service}" has no ${port} port`);
    const hostPort = `127.0.0.1:${this.local(service, p)}`;
    return port === "http" ? `http://${hostPort}` : hostPort;
  }

  get entrypointUrl(): string {
    return this.url(this.manifest.entrypoint ?? Object.keys(this.manifest.services)[0]!);
  }

  get toxiproxyUrl(): string {
    return `http://127.0.0.1:${this.local("toxiproxy", TOXIPROXY_API_PORT)}`;
  }

  traceQueryUrl(): string | undefined {
    const t = this.components.find((c) => c.kind === "tracing");
    return t ? `http://127.0.0.1:${this.local(t.name, TRACING_QUERY_PORT)}` : undefined;
  }

  kafkaBrokers(): string[] {
    if (this.hostKafkaPort === undefined) throw new Error(`Target "${this.manifest.name}" has no kafka`);
    return [`127.0.0.1:${this.hostKafkaPort}`];
  }

  postgresUrl(service: string): string {
    const entry = [...this.credentials.entries()].find(([edge]) => edge.startsWith(`${service}->`));
    if (!entry) throw new Error(`Service "${service}" has no postgres dependency`);
    const [edge, cred] = entry;
    const port = this.local(edge.split("->")[1]!, 5432);
    return `postgres://${cred.database}:${cred.password}@127.0.0.1:${port}/${cred.database}?sslmode=disable`;
  }

  edgeNames(): string[] {
    return edgeNamesOf(this.manifest, Boolean(this.hostKafkaPort));
  }

  edge(name: string): EdgeHandle {
    const spec = edgeSpec(this.manifest, name, Boolean(this.hostKafkaPort), this.edgeNames());
    return new EdgeHandle(spec, this.toxiproxy);
  }

  edgeStates(): Promise<EdgeState[]> {
    return Promise.all(this.edgeNames().map((n) => this.edge(n).state()));
  }

  async reset(): Promise<void> {
    await this.toxiproxy.reset();
  }

  /**
   * running: a pod runs (Ready or not); exited: none does (scaled to 0, killed and its
   * replacement's containers not started yet). The Deployment replacing a killed pod is the
   * cluster's heal.
   */
  async containerState(name: string): Promise<string> {
    const ps = await this.pods(this.get(name).name);
    return ps.some((p) => KubernetesStack.running(p)) ? "running" : "exited";
  }

  /**
   * A pod that is not being deleted and whose containers run, Ready or not: a service that says
   * it is not ready (its database cut) is running, as its Docker container is, and can be stopped.
   */
  private static running(p: V1Pod): boolean {
    if (p.metadata?.deletionTimestamp) return false;
    if (KubernetesStack.ready(p)) return true;
    const cs = p.status?.containerStatuses ?? [];
    return cs.length > 0 && cs.every((c) => c.state?.running !== undefined);
  }

  containerNames(): string[] {
    return this.components.map((c) => c.name);
  }

  private async scale(c: Component, replicas: number): Promise<void> {
    await this.patchDeployment(c.name, { spec: { replicas } }, c.workload);
  }

  /** kill: delete the pod at once; stop: scale to 0; restart: scale back / rollout restart, then ready. */
  async fault(name: string, fault: ContainerFault): Promise<void> {
    const c = this.get(name);
    const timeoutMs =
      (this.manifest.services[name]?.startupTimeout ??
        this.manifest.infrastructure[name]?.startupTimeout ??
        60) * 1000;
    switch (fault) {
      case "kill": {
        const ps = await this.pods(name);
        await Promise.all(
          ps.map((p) =>
            this.core.deleteNamespacedPod({
              name: p.metadata!.name!,
              namespace: this.namespace,
              gracePeriodSeconds: 0,
            }),
          ),
        );
        return;
      }
      case "stop": {
        await this.scale(c, 0);
        await pollUntil(
          () => this.pods(name),
          (ps) => ps.length === 0,
          { timeoutMs: 30_000, intervalMs: 250 },
        );
        return;
      }
      case "pause":
      case "unpause":
        throw new UnsupportedFault("kubernetes", fault, PAUSE_WHY);
      case "restart": {
        const before = (await this.pods(name)).map((p) => p.metadata!.uid!);
        await this.patchDeployment(
          c.name,
          {
            spec: {
              replicas: 1,
              template: {
                metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } },
              },
            },
          },
          c.workload,
        );
        await this.waitReady(c, timeoutMs, before);
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

  /** The current pod's log (the last one's, when it is being replaced). */
  async logs(name: string, opts: { tail?: number } = {}): Promise<string> {
    const list = await this.core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `${APP_LABEL}=${name}`,
    });
    const p = list.items.at(-1);
    if (!p) return "";
    return this.core.readNamespacedPodLog({
      name: p.metadata!.name!,
      namespace: this.namespace,
      ...(opts.tail ? { tailLines: opts.tail } : {}),
    });
  }

  async states(): Promise<ServiceState[]> {
    return Promise.all(
      this.components.map(async (c) => {
        const state = await this.containerState(c.name);
        const urls: Record<string, string> = {};
        let ready: boolean | undefined;
        if (c.kind === "service" && state === "running") {
          urls.http = this.url(c.name);
          if (this.manifest.services[c.name]!.ports.grpc) urls.grpc = this.url(c.name, "grpc");
          ready = await fetch(`${urls.http}${this.manifest.services[c.name]!.readiness}`, {
            signal: AbortSignal.timeout(2000),
          })
            .then((res) => res.status === 200)
            .catch(() => false);
        }
        if (c.kind === "toxiproxy") urls.api = this.toxiproxyUrl;
        if (c.kind === "postgres") urls.postgres = `127.0.0.1:${this.local(c.name, 5432)}`;
        if (c.kind === "tracing") urls.query = this.traceQueryUrl()!;
        return { name: c.name, kind: c.kind, container: `${this.namespace}/${c.name}`, state, ready, urls };
      }),
    );
  }

  /** Closes the forwards and deletes the namespace (everything in it goes with it). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.forwards.values()].map((f) => f.close()));
    if (!(await deleteNamespace(this.kc, this.namespace)))
      throw new Error(`namespace ${this.namespace} was not gone 90 s after its deletion`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
