/** Finds the traces of an order id or a trace id in a trace backend (for `faultline trace` and the report). */
import { TraceQuery } from "./jaeger-api.ts";
import type { Trace } from "./model.ts";

export const TRACE_ID = /^[0-9a-f]{32}$/i;

/**
 * A trace id gives that trace; anything else is looked up as the value of `tag` on the spans of
 * every service the backend knows, within `lookbackMs`: every trace found, oldest first.
 */
export async function findTraces(
  query: TraceQuery,
  id: string,
  /** tag: the span attribute an id is looked up in (the manifest's tracing.lookupTag). */
  opts: { tag?: string; lookbackMs?: number } = {},
): Promise<Trace[]> {
  if (TRACE_ID.test(id)) {
    const t = await query.trace(id);
    return t ? [t] : [];
  }
  const tag = opts.tag;
  if (!tag) return [];
  const end = Date.now();
  const start = end - (opts.lookbackMs ?? 3_600_000);
  const found = new Map<string, Trace>();
  for (const service of await query.services()) {
    for (const t of await query.find({
      service,
      startMs: start,
      endMs: end,
      tags: { [tag]: id },
      limit: 20,
    })) {
      // The search returns the trace's spans as of then: read it whole.
      if (!found.has(t.traceId)) found.set(t.traceId, (await query.trace(t.traceId)) ?? t);
    }
  }
  return [...found.values()].sort((a, b) => (a.spans[0]?.startUs ?? 0) - (b.spans[0]?.startUs ?? 0));
}
