/**
 * Traces as evidence in a chaos result: the traces actions observed (their step output is a
 * TraceRecord), and the traces of the orders that broke an invariant, looked up in the trace
 * backend by their order id (the span attribute) or, failing that, by the trace_id of the
 * services' log lines that mention them. Never throws: evidence is best effort.
 */
import { TraceRecord, type InvariantResult, type StepResult } from "../report/journal.ts";
import type { TraceCheckResult } from "./checks.ts";
import { TraceQuery } from "./jaeger-api.ts";
import { findTraces } from "./lookup.ts";
import type { Trace } from "./model.ts";

/** How many failed orders get their trace looked up (a few explain; hundreds only cost time). */
const MAX_ORDERS = 5;

export interface EvidenceTarget {
  readonly manifest: { services: Record<string, unknown>; tracing?: { lookupTag?: string } };
  traceQueryUrl(): string | undefined;
  logs(name: string): Promise<string>;
}

export function toRecord(t: Trace, label: string, extra: Partial<TraceRecord> = {}): TraceRecord {
  return {
    traceId: t.traceId,
    label,
    orderIds: [],
    problems: [],
    ...extra,
    spans: t.spans.map((s) => ({
      spanId: s.spanId,
      parentId: s.parentId,
      service: s.service,
      name: s.name,
      kind: s.kind,
      startUs: s.startUs,
      durationUs: s.durationUs,
      error: s.error,
    })),
  };
}

/** The record of a trace check (for an action's output). */
export function checkRecord(
  r: TraceCheckResult,
  label: string,
  orderIds: string[] = [],
): TraceRecord | undefined {
  return r.trace
    ? toRecord(r.trace, label, { orderIds, brokenAt: r.brokenAt, problems: r.problems })
    : undefined;
}

/** Trace ids of JSON log lines that mention `id`, over every service's log. */
async function traceIdsFromLogs(target: EvidenceTarget, id: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const s of Object.keys(target.manifest.services)) {
    const text = await target.logs(s).catch(() => "");
    for (const raw of text.split("\n")) {
      if (!raw.includes(id)) continue;
      const m = /"trace_id":"([0-9a-f]{32})"/.exec(raw);
      if (m) ids.add(m[1]!);
    }
  }
  return [...ids];
}

export async function traceEvidence(
  target: EvidenceTarget,
  steps: StepResult[],
  invariants: InvariantResult[],
): Promise<TraceRecord[] | undefined> {
  const out: TraceRecord[] = [];
  for (const st of steps) {
    const r = TraceRecord.safeParse(st.output);
    if (r.success) out.push(r.data);
  }
  const url = target.traceQueryUrl();
  if (url) {
    const query = new TraceQuery(url);
    const failed = [
      ...new Set(invariants.filter((i) => i.status !== "held").flatMap((i) => i.evidence.ids)),
    ].slice(0, MAX_ORDERS);
    for (const id of failed) {
      try {
        let traces = await findTraces(query, id, {
          tag: target.manifest.tracing?.lookupTag,
          lookbackMs: 30 * 60_000,
        });
        if (traces.length === 0) {
          for (const tid of await traceIdsFromLogs(target, id)) {
            const t = await query.trace(tid);
            if (t) traces.push(t);
          }
        }
        traces = traces.filter((t) => !out.some((o) => o.traceId === t.traceId));
        for (const t of traces) out.push(toRecord(t, `order ${id}`, { orderIds: [id] }));
      } catch {
        // the backend is down or slow: no trace for this order
      }
    }
  }
  return out.length > 0 ? out : undefined;
}
