/**
 * What probes, actions, workloads and invariants can read of the running system: HTTP, Prometheus
 * metrics, SQL on a service's own database, Kafka offsets, container states, gRPC health, and the
 * workload's figures. Connections are opened lazily and closed by close().
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath as healthProto } from "grpc-health-check";
import { Kafka, logLevel } from "kafkajs";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import pg from "pg";
import type { ChaosTarget } from "./target.ts";
import { figure, type Figure, type History } from "./history.ts";
import { filterKafkajsNegativeTimeoutWarning } from "../env/kafkajs-warning.ts";

filterKafkajsNegativeTimeoutWarning();

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown;
}

interface MetricFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string; sum?: string }[];
}

export interface ProbeContext {
  readonly target: ChaosTarget;
  readonly seed: number;
  /** The run's seeded random numbers in [0, 1). */
  random(): number;
  http(
    service: string,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<HttpAnswer>;
  /** The sum of a metric's samples over the series whose labels match (undefined: no such series). */
  metric(service: string, name: string, labels?: Record<string, string>): Promise<number | undefined>;
  metricNames(service: string): Promise<string[]>;
  sql<T extends Record<string, unknown> = Record<string, unknown>>(
    service: string,
    query: string,
    params?: unknown[],
  ): Promise<T[]>;
  /** Messages in a topic (sum over partitions of high watermark - low watermark). */
  kafkaMessages(topic: string): Promise<number>;
  containerState(name: string): Promise<string>;
  /** grpc.health.v1 status of a service's gRPC port: SERVING, NOT_SERVING, or the error's code. */
  grpcHealth(service: string, timeoutMs?: number): Promise<string>;
  workloadFigure(f: Figure, windowS: number): number | undefined;
  /** What the workload has done so far. */
  readonly history: History;
  log(line: string): void;
}

const HealthDef = protoLoader.loadSync(healthProto, { keepCase: true });
const healthPkg = grpc.loadPackageDefinition(HealthDef) as unknown as {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
};

/** Mulberry32: a small seeded PRNG, so `--seed` reproduces every random choice. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class StackProbeContext implements ProbeContext, AsyncDisposable {
  private pools = new Map<string, pg.Pool>();
  private kafka?: Kafka;
  readonly random: () => number;
  history: History = { ops: [], dropped: [] };

  constructor(
    readonly target: ChaosTarget,
    readonly seed: number,
    readonly log: (line: string) => void = () => {},
  ) {
    this.random = seededRandom(seed);
  }

  async http(
    service: string,
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<HttpAnswer> {
    const res = await fetch(`${this.target.url(service)}${path}`, {
      method: init.method ?? "GET",
      headers: {
        ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(init.timeoutMs ?? 5000),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body };
  }

  private async families(service: string): Promise<MetricFamily[]> {
    const a = await this.http(service, "/metrics");
    if (a.status !== 200) throw new Error(`${service} /metrics answered HTTP ${a.status}`);
    return parsePrometheusTextFormat(String(a.body)) as MetricFamily[];
  }

  async metricNames(service: string): Promise<string[]> {
    return (await this.families(service)).map((f) => f.name);
  }

  async metric(
    service: string,
    name: string,
    labels: Record<string, string> = {},
  ): Promise<number | undefined> {
    const fam = (await this.families(service)).find((f) => f.name === name);
    if (!fam) return undefined;
    const series = fam.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (series.length === 0) return undefined;
    return series.reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0);
  }

  /**
   * A pool per database URL, not per service: a PostgreSQL container killed and started again
   * gets a new host port from Docker, and a pool kept for the old one is refused for good.
   */
  private pool(service: string): pg.Pool {
    const url = this.target.postgresUrl(service);
    let p = this.pools.get(url);
    if (!p) {
      p = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
      p.on("error", () => undefined);
      this.pools.set(url, p);
    }
    return p;
  }

  async sql<T extends Record<string, unknown>>(
    service: string,
    query: string,
    params: unknown[] = [],
  ): Promise<T[]> {
    return (await this.pool(service).query(query, params)).rows as T[];
  }

  async kafkaMessages(topic: string): Promise<number> {
    this.kafka ??= new Kafka({
      clientId: "faultline-chaos",
      brokers: this.target.kafkaBrokers(),
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
      connectionTimeout: 3000,
    });
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  containerState(name: string): Promise<string> {
    return this.target.containerState(name);
  }

  grpcHealth(service: string, timeoutMs = 3000): Promise<string> {
    const client = new healthPkg.grpc.health.v1.Health(
      this.target.url(service, "grpc"),
      grpc.credentials.createInsecure(),
    );
    return new Promise<string>((resolve) => {
      client.waitForReady(Date.now() + timeoutMs, (err?: Error) => {
        if (err) {
          client.close();
          resolve("UNAVAILABLE");
          return;
        }
        (client as unknown as { Check: grpc.requestCallback<unknown> & ((...a: unknown[]) => void) }).Check(
          {},
          { deadline: Date.now() + timeoutMs },
          (e: grpc.ServiceError | null, res?: { status: string }) => {
            client.close();
            resolve(e ? (grpc.status[e.code] ?? String(e.code)) : String(res?.status));
          },
        );
      });
    });
  }

  workloadFigure(f: Figure, windowS: number): number | undefined {
    return figure(this.history, f, windowS);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.end()));
    this.pools.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
