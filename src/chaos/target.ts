/**
 * What the chaos engine needs of a running stack. `StartedStack` (src/env) is one; an attached
 * stack (started by `faultline up`) is another.
 */
import type { EdgeHandle, EdgeState } from "../env/edge.ts";
import type { Manifest } from "../env/manifest.ts";
import type { ContainerFault } from "../env/stack.ts";

export interface ChaosTarget {
  readonly manifest: Manifest;
  readonly runId: string;
  /** The run's Docker network (containers the harness adds, such as the load runner, join it). */
  readonly network: { name: string };
  url(service: string, port?: "http" | "grpc"): string;
  postgresUrl(service: string): string;
  kafkaBrokers(): string[];
  /** The trace backend's query API (Jaeger's /api/...) from this host; undefined: no `tracing:`. */
  traceQueryUrl(): string | undefined;
  /** A container's whole log so far. */
  logs(name: string): Promise<string>;
  edgeNames(): string[];
  edge(name: string): EdgeHandle;
  edgeStates(): Promise<EdgeState[]>;
  /** Removes every toxic and re-enables every edge. */
  reset(): Promise<void>;
  fault(name: string, fault: ContainerFault): Promise<void>;
  /** Docker's state of a container of the stack: running, paused, exited, ... */
  containerState(name: string): Promise<string>;
  /** Every container of the stack by name (toxiproxy, infrastructure, services). */
  containerNames(): string[];
  replaceService(service: string, change: Record<string, string | undefined>): Promise<void>;
  environmentOf(service: string): Record<string, string>;
}
