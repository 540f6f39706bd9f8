/**
 * A trace as a waterfall in the report: one bar per span on the trace's time axis, indented as
 * the tree, coloured per service, with the latency per service above it. Drawn from the spans the
 * journal keeps (the backend's API data), plain HTML and CSS: it opens from disk.
 */
import type { TraceRecord } from "./journal.ts";
import { escapeHtml as h } from "./escape.ts";
import { latencyByService } from "../trace/model.ts";
import { formatDuration, treeRows } from "../trace/tree.ts";

const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];

/** The anchor of a trace in a scenario's article. */
export function traceAnchor(scenarioAnchor: string, traceId: string): string {
  return `${scenarioAnchor}-trace-${traceId}`;
}

/** Order id -> the anchor of its trace, for linking the evidence of invariants. */
export function traceLinks(scenarioAnchor: string, traces: TraceRecord[] | undefined): Map<string, string> {
  const links = new Map<string, string>();
  for (const t of traces ?? [])
    for (const id of t.orderIds) if (!links.has(id)) links.set(id, traceAnchor(scenarioAnchor, t.traceId));
  return links;
}

export const WATERFALL_CSS = `.waterfall{font-size:.8rem;margin:.3rem 0 1rem}
.waterfall .row{display:grid;grid-template-columns:minmax(14rem,30%) 1fr 5rem;align-items:center;gap:.4rem;border-bottom:1px solid #eee}
.waterfall .lane{position:relative;height:1rem}
.waterfall .bar{position:absolute;top:.15rem;height:.7rem;min-width:2px;border-radius:2px}
.waterfall .bar.err{outline:2px solid #c00}
.waterfall .name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.waterfall .dur{text-align:right;font-variant-numeric:tabular-nums}`;

export function traceWaterfall(t: TraceRecord, scenarioAnchor: string): string {
  if (t.spans.length === 0) return "";
  const t0 = Math.min(...t.spans.map((s) => s.startUs));
  const total = Math.max(1, Math.max(...t.spans.map((s) => s.startUs + s.durationUs)) - t0);
  const services = [...new Set(t.spans.map((s) => s.service))];
  const colour = (svc: string) => COLOURS[services.indexOf(svc) % COLOURS.length]!;
  const per = latencyByService(t)
    .map(
      (x) =>
        `<tr><td><span style="color:${colour(x.service)}">■</span> ${h(x.service)}</td><td class="num">${x.spans}</td><td class="num">${h(formatDuration(x.totalUs))}</td><td class="num">+${h(formatDuration(x.firstUs - t0))}</td></tr>`,
    )
    .join("");
  const rows = treeRows(t)
    .map((r) => {
      const left = ((r.span.startUs - t0) / total) * 100;
      const width = (r.span.durationUs / total) * 100;
      const title = `${r.span.service}: ${r.span.name}, ${formatDuration(r.span.durationUs)} at +${formatDuration(r.offsetUs)}${r.orphan ? ` (parent ${r.span.parentId} missing)` : ""}`;
      return `<div class="row"><div class="name" style="padding-left:${r.depth * 0.8}rem" title="${h(title)}"><b>${h(r.span.service)}</b> ${h(r.span.name)}${r.orphan ? " <b>⚠ parent missing</b>" : ""}</div><div class="lane"><div class="bar${r.span.error ? " err" : ""}" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;background:${colour(r.span.service)}" title="${h(title)}"></div></div><div class="dur">${h(formatDuration(r.span.durationUs))}</div></div>`;
    })
    .join("");
  return `<div class="trace" id="${h(traceAnchor(scenarioAnchor, t.traceId))}">
<h5>${h(t.label)}: trace <code>${h(t.traceId)}</code> <small>${t.spans.length} spans, ${services.length} services, ${h(formatDuration(total))}${t.brokenAt ? `, <b>breaks at ${h(t.brokenAt)}</b>` : ""}</small></h5>
${t.problems.length ? `<ul>${t.problems.map((p) => `<li>${h(p)}</li>`).join("")}</ul>` : ""}
<table><thead><tr><th>service</th><th class="num">spans</th><th class="num">latency (own spans)</th><th class="num">first span at</th></tr></thead><tbody>${per}</tbody></table>
<div class="waterfall">${rows}</div></div>`;
}

export function tracesSection(traces: TraceRecord[] | undefined, scenarioAnchor: string): string {
  if (!traces?.length) return "";
  return `<h4>Traces</h4><style>${WATERFALL_CSS}</style>${traces.map((t) => traceWaterfall(t, scenarioAnchor)).join("")}`;
}
