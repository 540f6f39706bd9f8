/**
 * The three observability checks of one request through a target that exports traces:
 * its trace is one connected tree across the services, every log line about it carries its
 * trace_id and request_id, and every service's /metrics is valid Prometheus exposition holding the
 * metrics the chaos catalog reads. Each returns the problems it found, named; none throws on a
 * finding (only when it cannot read at all).
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { notableWarnings, roots, type Span, type Trace } from "./model.ts";
import type { TraceQuery } from "./jaeger-api.ts";

export interface CheckResult {
  ok: boolean;
  problems: string[];
}

/** Spans that answer a request or handle an event (not probes, scrapes or health checks). */
export function isRequestSpan(s: Span): boolean {
  const kind = s.kind ?? "";
  if (kind !== "server" && kind !== "consumer") return false;
  return !/healthz|readyz|\/metrics|grpc\.health\.v1/i.test(s.name);
}

export interface TraceCheckResult extends CheckResult {
  trace?: Trace;
  /** The first expected service the trace does not reach (where it breaks). */
  brokenAt?: string;
  /** Other traces the request's spans were found in (when the trace is broken). */
  strays: { service: string; traceId: string; root: string }[];
}

export interface TraceExpectation {
  /** Services the request must cross, in the order it reaches them (e.g. gateway, orders, ...). */
  services: string[];
  /** Who may call whom (`from -> to`): names the service on each side of a break. */
  upstreamOf?: (service: string) => string[];
  /** Window of the request (ms since the epoch), to find its spans that landed elsewhere. */
  window: { startMs: number; endMs: number };
}

/** The trace of one request: exactly one root, every parent present, every expected service in it. */
export async function checkRequestTrace(
  query: TraceQuery,
  traceId: string,
  expect: TraceExpectation,
): Promise<TraceCheckResult> {
  const problems: string[] = [];
  const strays: TraceCheckResult["strays"] = [];
  const trace = await query.trace(traceId);
  if (!trace) {
    return {
      ok: false,
      problems: [
        `trace ${traceId}: the backend has no span of it (is tracing exported? is the ${expect.services[0]}->tracing edge up?)`,
      ],
      strays,
    };
  }
  const ids = new Set(trace.spans.map((s) => s.spanId));
  for (const s of trace.spans)
    if (s.parentId && !ids.has(s.parentId))
      problems.push(
        `${s.service}: span "${s.name}" (${s.spanId}) names parent ${s.parentId}, which is not in trace ${traceId}`,
      );
  const r = roots(trace);
  if (r.length !== 1)
    problems.push(
      `trace ${traceId} has ${r.length} roots (${r.map((s) => `${s.service}: ${s.name}`).join(", ")}), want exactly one`,
    );

  const present = new Set(trace.spans.map((s) => s.service));
  const missing = expect.services.filter((s) => !present.has(s));
  let brokenAt: string | undefined;
  for (const svc of missing) {
    brokenAt ??= svc;
    const ups = (expect.upstreamOf?.(svc) ?? []).filter((u) => present.has(u));
    const elsewhere = (
      await query.find({
        service: svc,
        startMs: expect.window.startMs,
        endMs: expect.window.endMs,
        limit: 50,
      })
    )
      .filter((t) => t.traceId !== trace.traceId)
      .flatMap((t) => t.spans.filter((s) => s.service === svc && isRequestSpan(s)).map((s) => ({ t, s })));
    const where = elsewhere.length
      ? `; its spans of the request window are in ${new Set(elsewhere.map((e) => e.t.traceId)).size} other trace(s), e.g. "${elsewhere[0]!.s.name}" in trace ${elsewhere[0]!.t.traceId}${elsewhere[0]!.s.parentId ? "" : " as a root with no parent"}: the trace context did not reach it`
      : "; it sent no span in the request window";
    for (const e of elsewhere) {
      if (!strays.some((x) => x.traceId === e.t.traceId))
        strays.push({
          service: svc,
          traceId: e.t.traceId,
          root: `${roots(e.t)[0]?.service}: ${roots(e.t)[0]?.name}`,
        });
    }
    problems.push(
      `the trace breaks at ${svc}${ups.length ? ` (called by ${ups.join(", ")}, which are in the trace)` : ""}: trace ${traceId} has no span from ${svc}${where}`,
    );
  }
  for (const w of notableWarnings(trace)) problems.push(`trace ${traceId}: the backend warns: ${w}`);
  return { ok: problems.length === 0, problems, trace, brokenAt, strays };
}

// ---- logs --------------------------------------------------------------------------------------

export interface RequestIds {
  traceId: string;
  requestId: string;
  /** Further values that mark a line as about this request (e.g. the order's id). */
  markers?: string[];
}

export interface LogCheckResult extends CheckResult {
  /** Per service: the lines about the request, and how many carry both IDs. */
  perService: Record<string, { lines: number; withIds: number }>;
}

function mentions(line: Record<string, unknown>, values: string[]): boolean {
  return Object.values(line).some((v) => typeof v === "string" && values.some((x) => x && v.includes(x)));
}

/**
 * Every JSON log line about the request (it carries its trace_id or request_id, or mentions a
 * marker) must carry both its trace_id and request_id; every service must have at least one.
 */
export function checkRequestLogs(logs: Record<string, string>, ids: RequestIds): LogCheckResult {
  const problems: string[] = [];
  const perService: LogCheckResult["perService"] = {};
  for (const [service, text] of Object.entries(logs)) {
    const stat = { lines: 0, withIds: 0 };
    perService[service] = stat;
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        if ([ids.traceId, ids.requestId, ...(ids.markers ?? [])].some((x) => x && raw.includes(x)))
          problems.push(`${service}: a line about the request is not JSON: ${raw.slice(0, 160)}`);
        continue;
      }
      const about =
        line.trace_id === ids.traceId ||
        line.request_id === ids.requestId ||
        mentions(line, [ids.requestId, ...(ids.markers ?? [])]);
      if (!about) continue;
      stat.lines++;
      const lacks = [
        line.trace_id !== ids.traceId
          ? `trace_id ${line.trace_id === undefined ? "missing" : `${String(line.trace_id)} (not ${ids.traceId})`}`
          : "",
        line.request_id !== ids.requestId
          ? `request_id ${line.request_id === undefined ? "missing" : `${String(line.request_id)} (not ${ids.requestId})`}`
          : "",
      ].filter(Boolean);
      if (lacks.length === 0) stat.withIds++;
      else
        problems.push(
          `${service}: line "${String(line.msg ?? "")}" at ${String(line.time ?? "?")}: ${lacks.join(", ")}`,
        );
    }
    if (stat.lines === 0)
      problems.push(
        `${service}: no log line about the request (none carries trace_id ${ids.traceId} or request_id ${ids.requestId})`,
      );
  }
  return { ok: problems.length === 0, problems, perService };
}

// ---- metrics -----------------------------------------------------------------------------------

interface Family {
  name: string;
  type: string;
  metrics: {
    value?: string;
    count?: string;
    sum?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
  }[];
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-+]?Inf$|^NaN$/;

/** Parses one exposition with the kept library and checks what it returns; names what is wrong. */
export function parseExposition(service: string, text: string): { families: Family[]; problems: string[] } {
  let families: Family[];
  try {
    families = parsePrometheusTextFormat(text) as Family[];
  } catch (err) {
    return {
      families: [],
      problems: [`${service}: /metrics is not valid Prometheus exposition: ${(err as Error).message}`],
    };
  }
  const problems: string[] = [];
  if (families.length === 0) problems.push(`${service}: /metrics holds no metric family`);
  for (const f of families) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(f.name))
      problems.push(`${service}: metric name "${f.name}" is not a valid name`);
    if (!["COUNTER", "GAUGE", "HISTOGRAM", "SUMMARY", "UNTYPED"].includes(f.type))
      problems.push(`${service}: ${f.name}: unknown type ${f.type}`);
    for (const m of f.metrics) {
      const values = [
        m.value,
        m.count,
        m.sum,
        ...Object.values(m.buckets ?? {}),
        ...Object.values(m.quantiles ?? {}),
      ];
      for (const v of values)
        if (v !== undefined && !NUMBER.test(v))
          problems.push(`${service}: ${f.name}: sample value "${v}" is not a number`);
    }
  }
  return { families, problems };
}
