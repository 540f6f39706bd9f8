/**
 * One request through a target that exports traces, observed: sent with a request ID of our
 * own, its trace ID read from the entry point's log line, its trace waited for in the backend
 * until every expected service is in it (or a deadline), then the trace and log checks judged.
 */
import { randomBytes } from "node:crypto";
import type { Manifest } from "../env/manifest.ts";
import { checkRequestLogs, checkRequestTrace, type LogCheckResult, type TraceCheckResult } from "./checks.ts";
import { TraceQuery } from "./jaeger-api.ts";
import type { Trace } from "./model.ts";

/** What observing needs of a running stack (StartedStack and AttachedStack have it). */
export interface ObservedTarget {
  readonly manifest: Manifest;
  url(service: string): string;
  traceQueryUrl(): string | undefined;
  logs(name: string): Promise<string>;
}

export interface ObservedRequest {
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Values of the answer that mark log lines as about this request (e.g. the order's id). */
  markersOf?: (answer: unknown) => string[];
}

export interface Observation {
  requestId: string;
  traceId?: string;
  status: number;
  answer: unknown;
  markers: string[];
  sentAt: string;
  /** From sending the request to its trace holding every expected service (undefined: never). */
  fullTraceMs?: number;
  /** Per service: from sending the request to its first span of the trace being queryable. */
  serviceSeenMs: Record<string, number>;
  trace: TraceCheckResult;
  logs: LogCheckResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The exporting services in the order a request reaches them: entry point, its callees (breadth first), then Kafka consumers. */
export function requestPath(m: Manifest): string[] {
  const exporters = m.tracing?.services ?? Object.keys(m.services);
  const order: string[] = [];
  const queue = [m.entrypoint ?? Object.keys(m.services)[0]!];
  while (queue.length) {
    const s = queue.shift()!;
    if (order.includes(s)) continue;
    order.push(s);
    for (const e of m.edges) if (e.from === s && e.toKind === "service") queue.push(e.to);
  }
  const kafka = (s: string) => m.edges.some((e) => e.from === s && e.toKind === "kafka");
  const rest = Object.keys(m.services).filter((s) => !order.includes(s));
  return [...order, ...rest.filter(kafka), ...rest.filter((s) => !kafka(s))].filter((s) =>
    exporters.includes(s),
  );
}

/** Who may pass a request on to `service`: its callers; for a service nobody calls but Kafka feeds, the other Kafka clients. */
export function upstreamOf(m: Manifest, service: string): string[] {
  const callers = m.edges.filter((e) => e.to === service && e.toKind === "service").map((e) => e.from);
  const kafka = (s: string) => m.edges.some((e) => e.from === s && e.toKind === "kafka");
  if (callers.length > 0 || !kafka(service)) return callers;
  return Object.keys(m.services).filter((s) => s !== service && kafka(s));
}

/** The trace ID of the entry point's log line carrying `requestId`, polled until `deadline`. */
async function traceIdFromLogs(
  target: ObservedTarget,
  service: string,
  requestId: string,
  deadline: number,
): Promise<string | undefined> {
  for (;;) {
    for (const raw of (await target.logs(service)).split("\n")) {
      if (!raw.includes(requestId)) continue;
      try {
        const l = JSON.parse(raw) as Record<string, unknown>;
        if (l.request_id === requestId && typeof l.trace_id === "string") return l.trace_id;
      } catch {
        // not JSON: the log check names it
      }
    }
    if (Date.now() > deadline) return undefined;
    await sleep(200);
  }
}

export interface ObserveOptions {
  /** How long to wait for the full trace (default 20 s). */
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

/** Sends the request through the entry point and judges its trace and logs. Throws only when the target has no tracing. */
export async function observeRequest(
  target: ObservedTarget,
  req: ObservedRequest,
  opts: ObserveOptions = {},
): Promise<Observation> {
  const m = target.manifest;
  const queryUrl = target.traceQueryUrl();
  if (!m.tracing || !queryUrl)
    throw new Error(
      `Target "${m.name}" (${m.file}) exports no traces: add "tracing:" to its manifest (docs/manifest.md)`,
    );
  const query = new TraceQuery(queryUrl);
  const services = requestPath(m);
  const entry = services[0]!;
  const requestId = `faultline-${randomBytes(8).toString("hex")}`;
  const t0 = Date.now();
  const res = await fetch(`${target.url(entry)}${req.path}`, {
    method: req.method,
    headers: {
      "x-request-id": requestId,
      ...(req.body !== undefined ? { "content-type": "application/json" } : {}),
      ...req.headers,
    },
    body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // not JSON
  }
  const markers = req.markersOf?.(answer) ?? [];
  const deadline = t0 + (opts.timeoutMs ?? 20_000);
  const traceId = await traceIdFromLogs(target, entry, requestId, deadline);
  opts.onProgress?.(`request ${requestId}: HTTP ${res.status}, trace ${traceId ?? "(none in the logs)"}`);

  // Wait until the trace holds every expected service, or the deadline.
  let fullTraceMs: number | undefined;
  const serviceSeenMs: Record<string, number> = {};
  let last: Trace | undefined;
  while (traceId) {
    last = await query.trace(traceId).catch(() => undefined);
    const have = new Set(last?.spans.map((s) => s.service));
    for (const s of have) serviceSeenMs[s] ??= Date.now() - t0;
    if (services.every((s) => have.has(s))) {
      fullTraceMs = Date.now() - t0;
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  const window = { startMs: t0 - 1000, endMs: Date.now() + 1000 };
  const trace: TraceCheckResult = traceId
    ? await checkRequestTrace(query, traceId, { services, upstreamOf: (s) => upstreamOf(m, s), window })
    : {
        ok: false,
        problems: [`${entry}: no JSON log line carries request_id ${requestId} and a trace_id`],
        strays: [],
      };

  const logsBy: Record<string, string> = {};
  for (const s of services) logsBy[s] = await target.logs(s);
  const logs = checkRequestLogs(logsBy, { traceId: traceId ?? "(unknown)", requestId, markers });
  return {
    requestId,
    traceId,
    status: res.status,
    answer,
    markers,
    sentAt: new Date(t0).toISOString(),
    fullTraceMs,
    serviceSeenMs,
    trace,
    logs,
  };
}
