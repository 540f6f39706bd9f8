/** faultline's trace model: what the checks, the CLI and the report read (backend-neutral). */

export type SpanValue = string | number | boolean;

export interface Span {
  traceId: string;
  spanId: string;
  /** The span this one is a child of (absent for a root). */
  parentId?: string;
  service: string;
  name: string;
  /** server, client, producer, consumer, internal (OpenTelemetry's span kind). */
  kind?: string;
  /** Microseconds since the epoch. */
  startUs: number;
  durationUs: number;
  error: boolean;
  attributes: Record<string, SpanValue>;
}

export interface Trace {
  traceId: string;
  /** By start time. */
  spans: Span[];
  /** What the backend noticed (e.g. a parent it does not have). */
  warnings: string[];
}

/** What the tree and the per-service figures need of a span (the journal's TraceSpan has it too). */
export type SpanShape = Pick<
  Span,
  "spanId" | "parentId" | "service" | "name" | "startUs" | "durationUs" | "error"
>;

/** Roots of a trace: spans with no parent, or whose parent is not in the trace (orphans). */
export function roots<S extends SpanShape>(t: { spans: S[] }): S[] {
  const ids = new Set(t.spans.map((s) => s.spanId));
  return t.spans.filter((s) => !s.parentId || !ids.has(s.parentId));
}

export function childrenOf<S extends SpanShape>(t: { spans: S[] }, spanId: string): S[] {
  return t.spans.filter((s) => s.parentId === spanId);
}

/** Per service: its spans' count, and the wall time its spans cover (overlaps counted once; time waiting on callees included). */
export function latencyByService(t: {
  spans: SpanShape[];
}): { service: string; spans: number; firstUs: number; lastUs: number; totalUs: number }[] {
  const out = new Map<
    string,
    { service: string; spans: number; firstUs: number; lastUs: number; totalUs: number }
  >();
  for (const s of t.spans) {
    const e = out.get(s.service) ?? {
      service: s.service,
      spans: 0,
      firstUs: s.startUs,
      lastUs: s.startUs + s.durationUs,
      totalUs: 0,
    };
    e.spans++;
    e.firstUs = Math.min(e.firstUs, s.startUs);
    e.lastUs = Math.max(e.lastUs, s.startUs + s.durationUs);
    out.set(s.service, e);
  }
  // Total: the union of the service's span intervals (overlapping spans count once).
  for (const e of out.values()) {
    const iv = t.spans
      .filter((s) => s.service === e.service)
      .map((s) => [s.startUs, s.startUs + s.durationUs] as const)
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let cur: [number, number] | undefined;
    for (const [a, b] of iv) {
      if (!cur || a > cur[1]) {
        if (cur) total += cur[1] - cur[0];
        cur = [a, b];
      } else cur[1] = Math.max(cur[1], b);
    }
    if (cur) total += cur[1] - cur[0];
    e.totalUs = total;
  }
  return [...out.values()].sort((a, b) => a.firstUs - b.firstUs);
}

/**
 * The backend's warnings that matter: Jaeger notes every child that starts after its parent
 * ended (a Kafka consumer does), which is how asynchronous work looks, not a broken trace.
 */
export function notableWarnings(t: Pick<Trace, "warnings">): string[] {
  return t.warnings.filter((x) => !/^clock skew adjustment disabled/.test(x));
}
