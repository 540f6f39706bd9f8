/**
 * The trace backend's query API (Jaeger's HTTP API: /api/traces/{id}, /api/traces?service=,
 * /api/services), read into faultline's own trace model. Nothing here knows Docker: it gets a URL.
 */
import type { Span, SpanValue, Trace } from "./model.ts";

interface JaegerTag {
  key: string;
  type?: string;
  value: unknown;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references?: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags?: JaegerTag[];
  processID: string;
  warnings?: string[] | null;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
  warnings?: string[] | null;
}
interface JaegerAnswer<T> {
  data: T | null;
  errors?: { code?: number; msg: string }[] | null;
}

/** The backend answered with an error, or not at all: says which URL and what came back. */
export class TraceBackendError extends Error {
  constructor(
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "TraceBackendError";
  }
}

export interface TraceSearch {
  service: string;
  /** Window of span start times (ms since the epoch); default: the last hour. */
  startMs?: number;
  endMs?: number;
  operation?: string;
  /** Span attributes that must all match (Jaeger's tag search). */
  tags?: Record<string, string>;
  limit?: number;
}

/** A client of one trace backend's query API. */
export class TraceQuery {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async get<T>(path: string): Promise<JaegerAnswer<T> & { status: number }> {
    const url = `${this.baseUrl.replace(/\/$/, "")}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new TraceBackendError(url, `trace backend ${url} did not answer: ${(err as Error).message}`);
    }
    const text = await res.text();
    let body: JaegerAnswer<T>;
    try {
      body = JSON.parse(text) as JaegerAnswer<T>;
    } catch {
      throw new TraceBackendError(
        url,
        `trace backend ${url} answered HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`,
        res.status,
      );
    }
    return { ...body, status: res.status };
  }

  /** The services that have sent spans. */
  async services(): Promise<string[]> {
    const a = await this.get<string[]>("/api/services");
    return a.data ?? [];
  }

  /** One trace by its 32-hex id; undefined when the backend has no span of it (yet). */
  async trace(traceId: string): Promise<Trace | undefined> {
    if (!/^[0-9a-f]{1,32}$/i.test(traceId))
      throw new Error(`"${traceId}" is not a trace id: a trace id is 32 hexadecimal digits`);
    const a = await this.get<JaegerTrace[]>(`/api/traces/${traceId.toLowerCase()}`);
    if (a.status === 404) return undefined;
    if (a.status !== 200)
      throw new TraceBackendError(
        this.baseUrl,
        `trace ${traceId}: HTTP ${a.status} ${JSON.stringify(a.errors)}`,
        a.status,
      );
    const t = a.data?.[0];
    return t ? fromJaeger(t) : undefined;
  }

  /** Traces holding a span of `service` that matches the search. */
  async find(q: TraceSearch): Promise<Trace[]> {
    const p = new URLSearchParams({ service: q.service, limit: String(q.limit ?? 100) });
    const end = q.endMs ?? Date.now();
    p.set("end", String(end * 1000));
    p.set("start", String((q.startMs ?? end - 3_600_000) * 1000));
    if (q.operation) p.set("operation", q.operation);
    if (q.tags) p.set("tags", JSON.stringify(q.tags));
    const a = await this.get<JaegerTrace[]>(`/api/traces?${p.toString()}`);
    if (a.status !== 200) {
      // Jaeger answers 404/500 for a service it has never seen: no traces, not an error.
      if ((a.errors ?? []).some((e) => /service|not found/i.test(e.msg))) return [];
      throw new TraceBackendError(
        this.baseUrl,
        `trace search ${p.toString()}: HTTP ${a.status} ${JSON.stringify(a.errors)}`,
        a.status,
      );
    }
    return (a.data ?? []).map(fromJaeger);
  }
}

function tagValue(t: JaegerTag): SpanValue {
  return typeof t.value === "number" || typeof t.value === "boolean" ? t.value : String(t.value);
}

/** Jaeger's trace JSON -> faultline's trace: services resolved, times in microseconds. */
export function fromJaeger(t: JaegerTrace): Trace {
  const spans: Span[] = t.spans.map((s) => {
    const attributes: Record<string, SpanValue> = {};
    for (const tag of s.tags ?? []) attributes[tag.key] = tagValue(tag);
    const parent = (s.references ?? []).find((r) => r.refType === "CHILD_OF") ?? s.references?.[0];
    const kind = attributes["span.kind"];
    return {
      traceId: s.traceID,
      spanId: s.spanID,
      parentId: parent?.spanID,
      service: t.processes[s.processID]?.serviceName ?? s.processID,
      name: s.operationName,
      kind: typeof kind === "string" ? kind : undefined,
      startUs: s.startTime,
      durationUs: s.duration,
      error: attributes.error === true || attributes["otel.status_code"] === "ERROR",
      attributes,
    };
  });
  spans.sort((a, b) => a.startUs - b.startUs);
  return {
    traceId: t.traceID,
    spans,
    warnings: [...(t.warnings ?? []), ...t.spans.flatMap((s) => s.warnings ?? [])],
  };
}
