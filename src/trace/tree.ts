/** A trace as a tree with durations, for people (faultline trace) and as rows (the report's waterfall). */
import { childrenOf, notableWarnings, roots, type SpanShape, type Trace } from "./model.ts";

export interface TreeRow<S extends SpanShape = SpanShape> {
  span: S;
  depth: number;
  /** Start relative to the trace's first span, in microseconds. */
  offsetUs: number;
  /** The span's parent is named but not in the trace. */
  orphan: boolean;
}

/** Depth-first rows, children by start time; orphans (parent missing) are roots marked as such. */
export function treeRows<S extends SpanShape>(t: { spans: S[] }): TreeRow<S>[] {
  const t0 = Math.min(...t.spans.map((s) => s.startUs));
  const rows: TreeRow<S>[] = [];
  const seen = new Set<string>();
  const walk = (s: S, depth: number, orphan: boolean) => {
    if (seen.has(s.spanId)) return; // a cycle of references: shown once
    seen.add(s.spanId);
    rows.push({ span: s, depth, offsetUs: s.startUs - t0, orphan });
    for (const c of childrenOf(t, s.spanId).sort((a, b) => a.startUs - b.startUs)) walk(c, depth + 1, false);
  };
  for (const r of roots(t)) walk(r, 0, r.parentId !== undefined);
  return rows;
}

export function formatDuration(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** The tree as text: `service  operation  duration (+offset)`, indented by depth. */
export function renderTree(t: Trace): string {
  const rows = treeRows(t);
  const total =
    Math.max(...t.spans.map((s) => s.startUs + s.durationUs)) - Math.min(...t.spans.map((s) => s.startUs));
  const services = new Set(t.spans.map((s) => s.service));
  const lines = [
    `trace ${t.traceId}: ${t.spans.length} spans, ${services.size} services (${[...services].join(", ")}), ${formatDuration(total)}`,
  ];
  for (const r of rows) {
    const indent = "  ".repeat(r.depth);
    const branch = r.depth === 0 ? "" : "└─ ";
    const marks = [r.span.error ? "ERROR" : "", r.orphan ? `parent ${r.span.parentId} missing` : ""].filter(
      Boolean,
    );
    lines.push(
      `${indent}${branch}${r.span.service}: ${r.span.name}  ${formatDuration(r.span.durationUs)} (+${formatDuration(r.offsetUs)})${marks.length ? `  [${marks.join("; ")}]` : ""}`,
    );
  }
  for (const w of notableWarnings(t)) lines.push(`warning: ${w}`);
  return lines.join("\n");
}
