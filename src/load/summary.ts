/** The end-of-run summary, laid out as k6 prints it: thresholds with marks, then the metrics. */
import type { LoadRun } from "../report/journal.ts";

const fmtMs = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(2)}ms`);

function fmtValue(metric: string, agg: string, v: number): string {
  if (metric.includes("duration") && agg !== "count" && agg !== "rate") return fmtMs(v);
  if (metric.startsWith("data_")) return `${(v / 1000).toFixed(1)} kB`;
  if (agg === "rate") return Number.isInteger(v) ? String(v) : v.toFixed(4);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

export function formatSummary(run: LoadRun, reportDir?: string): string {
  const out: string[] = [];
  const dur = (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000;
  out.push(
    `\n  scenario: ${run.name}${run.profile ? ` (profile ${run.profile})` : ""}, ${run.executor}, ${dur.toFixed(1)}s`,
  );
  if (run.thresholds.length) {
    out.push("\n  █ THRESHOLDS\n");
    const byMetric = new Map<string, LoadRun["thresholds"]>();
    for (const t of run.thresholds) byMetric.set(t.metric, [...(byMetric.get(t.metric) ?? []), t]);
    for (const [metric, ts] of byMetric) {
      out.push(`    ${metric}`);
      for (const t of ts) {
        const agg = t.expression.replace(/[<>=!].*$/, "");
        const observed = t.observed === null ? "no samples" : `${agg}=${fmtValue(metric, agg, t.observed)}`;
        out.push(`    ${t.ok ? "✓" : "✗"} '${t.expression}' ${observed}`);
      }
      out.push("");
    }
  }
  out.push("  █ METRICS\n");
  const names = Object.keys(run.metrics).sort();
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const name of names) {
    const m = run.metrics[name]!;
    const vals = Object.entries(m.values);
    if (vals.length === 0) continue;
    const text =
      m.type === "trend"
        ? vals.map(([k, v]) => `${k}=${fmtMs(v)}`).join(" ")
        : m.type === "counter"
          ? `${fmtValue(name, "count", m.values.count ?? 0)} ${fmtValue(name, "rate", m.values.rate ?? 0)}/s`
          : m.type === "rate"
            ? `${((m.values.rate ?? 0) * 100).toFixed(2)}%`
            : vals.map(([, v]) => fmtValue(name, "value", v)).join(" ");
    out.push(`    ${`${name}`.padEnd(width, ".")}: ${text}`);
  }
  if (run.requests.length) {
    out.push("\n  █ REQUESTS\n");
    for (const r of run.requests) {
      const l = r.latencyMs;
      out.push(
        `    ${r.name.padEnd(width - 2)} ${r.protocol.padEnd(4)} ${String(r.count).padStart(7)} sent ${String(r.failed).padStart(6)} failed` +
          (l ? `  med=${fmtMs(l.med)} p(95)=${fmtMs(l.p95)} p(99)=${fmtMs(l.p99)} max=${fmtMs(l.max)}` : ""),
      );
    }
  }
  if (run.baseline) {
    out.push(`\n  █ BASELINE (run ${run.baseline.runId})\n`);
    for (const c of run.baseline.comparisons)
      out.push(
        `    ${c.ok ? "✓" : "✗"} ${c.figure.padEnd(20)} baseline ${c.baseline.toFixed(3)}  now ${c.current.toFixed(3)}  (${c.tolerance})`,
      );
  }
  if (run.windows) {
    out.push("\n  █ FAULT WINDOWS\n");
    for (const [k, w] of Object.entries(run.windows))
      out.push(
        `    ${k.padEnd(7)} ${w.rps.toFixed(1)} req/s  errors ${(w.errorRate * 100).toFixed(2)}%  p95 ${w.p95 === null ? "-" : fmtMs(w.p95)}`,
      );
    out.push(
      `    recovered ${run.recoveryMs === null || run.recoveryMs === undefined ? "never" : `after ${run.recoveryMs} ms`}`,
    );
  }
  out.push(`\n  ${run.status.toUpperCase()}: ${run.detail ?? ""}`);
  if (reportDir) out.push(`  report: ${reportDir}`);
  return `${out.join("\n")}\n`;
}
