/**
 * summary.md: the run for a CI job summary (GitHub renders it as Markdown with HTML allowed, so
 * every value from a journal is escaped for both).
 */
import { escapeMarkdown as md } from "./escape.ts";
import type { Journal } from "./journal.ts";
import { areaVerdicts, checks, loadRunP95, passRate, runDurationMs } from "./verdict.ts";

const MARK: Record<string, string> = {
  passed: "✅",
  completed: "✅",
  failed: "❌",
  aborted: "⛔",
  error: "⛔",
  interrupted: "⏸️",
  skipped: "➖",
  measured: "📏",
};
const fmtMs = (v: number | null | undefined) =>
  v === null || v === undefined ? "-" : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(1)} %`);

export interface SummaryOptions {
  /** Where the HTML report is, as the reader should see it (a relative path or URL). */
  reportHref?: string;
  /** At most this many failing checks are listed (the rest are counted). */
  maxFailures?: number;
}

export function renderSummary(j: Journal, opts: SummaryOptions = {}): string {
  const lines: string[] = [];
  const verdicts = areaVerdicts(j);
  lines.push(`## ${MARK[j.status] ?? ""} faultline ${md(j.target)}: ${md(j.status)}`, "");
  lines.push(
    `Run \`${j.runId.replace(/`/g, "'")}\` · ${md(j.command)}${j.driver ? ` · driver ${md(j.driver)}` : ""} · ${(runDurationMs(j) / 1000).toFixed(1)} s · pass rate ${pct(passRate(j))}`,
  );
  if (j.reason) lines.push("", `> ${md(j.reason)}`);
  lines.push("", "| area | verdict | |", "| --- | --- | --- |");
  for (const v of verdicts)
    lines.push(`| ${v.area} | ${MARK[v.status] ?? ""} ${v.status} | ${md(v.headline)} |`);

  const bad = checks(j).filter((c) => c.status === "failed" || c.status === "error");
  if (bad.length) {
    const max = opts.maxFailures ?? 50;
    lines.push("", `### What failed (${bad.length})`, "");
    for (const c of bad.slice(0, max))
      lines.push(`- ${MARK[c.status]} **${md(c.suite)}** ${md(c.name)}: ${md(c.message ?? "")}`);
    if (bad.length > max) lines.push(`- … and ${bad.length - max} more (see the HTML report)`);
  }

  const runs = j.load?.runs ?? [];
  if (runs.length) {
    lines.push(
      "",
      "### Load",
      "",
      "| run | status | requests | errors | p95 | thresholds |",
      "| --- | --- | ---: | ---: | ---: | --- |",
    );
    for (const r of runs) {
      const reqs = r.series.reduce((t, s) => t + s.requests, 0);
      const errs = r.series.reduce((t, s) => t + s.fail + s.unknown, 0);
      const th = r.thresholds
        .map((t) => `${t.ok ? "✅" : "❌"} ${md(`${t.metric} ${t.expression}`)}`)
        .join("<br>");
      lines.push(
        `| ${md(r.name)} | ${MARK[r.status] ?? ""} ${r.status} | ${reqs} | ${reqs ? ((errs / reqs) * 100).toFixed(2) : "0.00"} % | ${fmtMs(loadRunP95(r))} | ${th || "-"} |`,
      );
    }
  }

  const claims = j.footprint?.claims ?? [];
  if (claims.length) {
    lines.push("", "### Claims", "", "| claim | measured | held |", "| --- | --- | --- |");
    for (const c of claims)
      lines.push(
        `| ${md(c.claim)} | ${md(c.measured)} | ${c.held === null ? "not measured" : c.held ? "✅ yes" : "❌ no"} |`,
      );
  }
  if (opts.reportHref)
    lines.push(
      "",
      `Full report: [index.html](${encodeURI(opts.reportHref).replace(/\(/g, "%28").replace(/\)/g, "%29")})`,
    );
  return `${lines.join("\n")}\n`;
}
