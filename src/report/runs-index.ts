/**
 * `reports/index.html`: every run with its verdict, duration, pass rate and p95, and a trend of
 * pass rate and p95 across runs. Self-contained like the run pages; reads only journals.
 */
import { escapeHtml as h } from "./escape.ts";
import { renderPage, type ChartSpec } from "./html-page.ts";
import { fmtMs } from "./html-report.ts";
import type { RunRow } from "./runs.ts";
import { AREAS } from "./verdict.ts";

const badge = (s: string) => `<span class="badge ${h(s)}">${h(s)}</span>`;

export function runHref(row: Pick<RunRow, "runId">): string {
  return `${encodeURIComponent(row.runId)}/index.html`;
}

export async function renderIndexPage(rows: RunRow[]): Promise<string> {
  const readable = rows
    .filter((r) => r.startedAt !== null)
    .sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!));
  const charts: ChartSpec[] = readable.length
    ? [
        {
          id: "trend",
          title: "Pass rate and p95 across runs",
          xTime: true,
          xLabel: "run start",
          x: readable.map((r) => Math.round(Date.parse(r.startedAt!) / 1000)),
          scales: {
            pct: { label: "pass rate %", unit: " %", min: 0, max: 100 },
            ms: { label: "p95 ms", unit: " ms" },
          },
          series: [
            {
              label: "pass rate",
              scale: "pct",
              color: "#1a7f37",
              values: readable.map((r) => (r.passRate === null ? null : Math.round(r.passRate * 1000) / 10)),
            },
            { label: "p95", scale: "ms", color: "#bf3989", values: readable.map((r) => r.p95Ms), dash: true },
          ],
        },
      ]
    : [];
  const body = rows.map((r) => {
    const name = r.html
      ? `<a href="${h(runHref(r))}">${h(r.runId)}</a>`
      : `${h(r.runId)} <small>(no page)</small>`;
    if (r.error)
      return `<tr><td>${name}</td><td>${badge("error")}</td><td colspan="${AREAS.length + 5}">${h(r.error)}</td></tr>`;
    return `<tr><td class="nowrap">${name}</td><td>${badge(r.status)}</td><td>${h(r.target ?? "")}</td><td class="nowrap"><code>${h(r.command ?? "")}</code></td><td class="nowrap">${h(
      (r.startedAt ?? "").replace("T", " ").replace(/\.\d+Z$/, "Z"),
    )}</td><td class="num">${fmtMs(r.durationMs)}</td>${AREAS.map((a) => `<td>${r.areas[a] ? badge(r.areas[a]!) : "-"}</td>`).join("")}<td class="num">${
      r.passRate === null ? "-" : `${(r.passRate * 100).toFixed(1)} %`
    }</td><td class="num">${fmtMs(r.p95Ms)}</td></tr>`;
  });
  const table = rows.length
    ? `<table><thead><tr><th>run</th><th>verdict</th><th>target</th><th>command</th><th>started</th><th class="num">duration</th>${AREAS.map(
        (a) => `<th>${a}</th>`,
      ).join(
        "",
      )}<th class="num">pass rate</th><th class="num">p95</th></tr></thead><tbody>${body.join("")}</tbody></table>`
    : `<p class="muted">No runs yet: <code>faultline run</code> writes one.</p>`;
  const failed = rows.filter((r) => r.status !== "completed").length;
  return renderPage({
    title: `faultline runs (${rows.length})`,
    header: `<h1>faultline · runs</h1><p class="muted">${rows.length} run${rows.length === 1 ? "" : "s"}, ${failed} not completed. Pass rate: passed checks (contract interactions, chaos scenarios, load thresholds) over decided ones; p95: the worst load run's.</p>`,
    body: `${charts.length ? `<div class="chart" id="trend" data-chart></div>` : ""}\n${table}`,
    charts,
  });
}
