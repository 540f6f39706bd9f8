/**
 * The one stack interface: what every engine (run, chaos, load, contracts, mutate) may ask of a
 * running target, whichever driver started it. A driver (src/env/docker, src/env/kubernetes)
 * turns a manifest into a `StartedStack`; the engines never ask which driver it was.
 */
import type { EdgeHandle, EdgeState } from "./edge.ts";
import type { Manifest } from "./manifest.ts";

/** The drivers a stack can run on (`--driver`, or `driver:` in the manifest). */
export const DRIVERS = ["docker", "kubernetes"] as const;
export type DriverName = (typeof DRIVERS)[number];

/** Where a Kubernetes stack goes; every field has a default (the project's own cluster). */
export interface KubernetesTarget {
  /** Default: the kubeconfig `faultline cluster up` writes under .cache/cluster/. */
  kubeconfig?: string;
  /** Default: the kubeconfig's current context. */
  context?: string;
  /** Default: faultline-<target>-<run id>, made and removed by the run. */
  namespace?: string;
}

/** Kafka listeners: one per edge (advertised as that edge's proxy), plus one for the host. */
export const KAFKA_FIRST_EDGE_PORT = 9100;
/** The trace backend's ports: OTLP/HTTP in, the query API out (Jaeger's /api/...). */
export const TRACING_OTLP_HTTP_PORT = 4318;
export const TRACING_QUERY_PORT = 16686;
/** The edge the host (tests, invariant checks) uses to reach Kafka, through Toxiproxy too. */
export const HOST_KAFKA_EDGE = "host->kafka";

export interface ContainerTiming {
  name: string;
  /** The driver's timestamps: container created, process started; ready = readiness check passed. */
  createdAt: string;
  startedAt: string;
  readyAt: string;
  createdToStartedMs: number;
  startedToReadyMs: number;
  createdToReadyMs: number;
}

export interface StackTimings {
  startedAt: string;
  readyAt: string;
  /** From the start() call to every service ready. */
  totalMs: number;
  containers: ContainerTiming[];
}

export type StackEvent =
  | { type: "phase"; phase: string }
  | { type: "starting"; name: string }
  | { type: "ready"; name: string; ms: number }
  | { type: "proxy"; name: string; listen: string; upstream: string };

export interface StackOptions {
  /** Extra environment per service (e.g. `{ orders: { SABOTAGE: "no-compensation" } }`). */
  env?: Record<string, Record<string, string>>;
  /** Leave the stack running after this process exits (`faultline up`); `faultline down` removes it. */
  detached?: boolean;
  onEvent?: (e: StackEvent) => void;
  /** Which driver starts the stack; default: the manifest's `driver:`, else docker. */
  driver?: DriverName;
  kubernetes?: KubernetesTarget;
}

/** Something in the stack failed to start: says which, and what its log said. */
export class StackStartError extends Error {
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(message);
    this.name = "StackStartError";
  }
}

export type ContainerFault = "kill" | "stop" | "pause" | "unpause" | "restart";

/** A container fault a driver cannot make, with why (the scenarios needing it are skipped). */
export class UnsupportedFault extends Error {
  constructor(
    readonly driver: DriverName,
    readonly fault: ContainerFault,
    readonly why: string,
  ) {
    super(`The ${driver} driver cannot ${fault} a container: ${why}`);
    this.name = "UnsupportedFault";
  }
}

export interface ServiceState {
  name: string;
  kind: "service" | "postgres" | "kafka" | "tracing" | "toxiproxy";
  container: string;
  state: string;
  ready: boolean | undefined;
  urls: Record<string, string>;
}

/** A running stack: URLs from this host (loopback), edges, container faults, logs. `await using` stops it. */
export interface StartedStack extends AsyncDisposable {
  readonly driver: DriverName;
  readonly manifest: Manifest;
  readonly runId: string;
  /** The run's own network (Docker) or namespace (Kubernetes). */
  readonly network: { name: string };
  readonly timings: StackTimings;
  /** The container faults this driver cannot make, each with why. */
  readonly unsupportedFaults: Partial<Record<ContainerFault, string>>;
  /** Why this driver cannot run a load run (the Go runner) beside the stack; undefined: it can. */
  readonly unsupportedLoad?: string;
  environmentOf(service: string): Record<string, string>;
  replaceService(
    service: string,
    change: Record<string, string | undefined>,
    opts?: { image?: string },
  ): Promise<void>;
  url(service: string, port?: "http" | "grpc"): string;
  readonly entrypointUrl: string;
  readonly toxiproxyUrl: string;
  traceQueryUrl(): string | undefined;
  kafkaBrokers(): string[];
  postgresUrl(service: string): string;
  edgeNames(): string[];
  edge(name: string): EdgeHandle;
  edgeStates(): Promise<EdgeState[]>;
  reset(): Promise<void>;
  containerState(name: string): Promise<string>;
  containerNames(): string[];
  fault(name: string, fault: ContainerFault): Promise<void>;
  kill(name: string): Promise<void>;
  stopService(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  unpause(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  logs(name: string, opts?: { tail?: number }): Promise<string>;
  states(): Promise<ServiceState[]>;
  /** Removes everything the stack made. Idempotent. */
  stop(): Promise<void>;
}
