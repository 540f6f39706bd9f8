import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Journal } from "./journal.ts";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** One self-contained HTML page per run: no external assets, readable offline. */
export function renderRunPage(j: Journal): string {
  const badge = (s: string) => `<span class="badge ${esc(s)}">${esc(s)}</span>`;
  const phases = j.phases
    .map(
      (p) => `<section>
  <h2>${esc(p.name)} ${badge(p.status)} <small>${(p.durationMs / 1000).toFixed(1)} s</small></h2>
  <p>${esc(p.detail)}</p>
  ${
    p.items?.length
      ? `<table><thead><tr><th>item</th><th>status</th><th>time</th><th>detail</th></tr></thead><tbody>${p.items
          .map(
            (i) =>
              `<tr><td>${esc(i.name)}</td><td>${badge(i.status)}</td><td>${i.durationMs === undefined ? "" : `${i.durationMs} ms`}</td><td><pre>${esc(i.detail ?? "")}</pre></td></tr>`,
          )
          .join("")}</tbody></table>`
      : ""
  }
</section>`,
    )
    .join("\n");
  const timings = j.stack
    ? `<section><h2>Stack start-up <small>${(j.stack.totalMs / 1000).toFixed(1)} s to ready</small></h2>
<table><thead><tr><th>container</th><th>created → started</th><th>started → ready</th><th>created → ready</th></tr></thead><tbody>${j.stack.containers
        .map(
          (c) =>
            `<tr><td>${esc(c.name)}</td><td>${c.createdToStartedMs} ms</td><td>${c.startedToReadyMs} ms</td><td>${c.createdToReadyMs} ms</td></tr>`,
        )
        .join("")}</tbody></table></section>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faultline run ${esc(j.runId)} — ${esc(j.status)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem} small{color:#57606a;font-weight:normal}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top} td:nth-child(3){white-space:nowrap}
pre{margin:0;white-space:pre-wrap;font-size:12px}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.8rem;color:#fff;background:#57606a}
.badge.passed,.badge.completed{background:#1a7f37}.badge.failed,.badge.aborted{background:#cf222e}.badge.skipped,.badge.interrupted{background:#9a6700}
</style></head><body>
<h1>faultline — ${esc(j.target)} ${badge(j.status)}</h1>
<p>Run <code>${esc(j.runId)}</code> · ${esc(j.command)} · started ${esc(j.startedAt)} · ended ${esc(j.endedAt)}</p>
${phases}
${timings}
</body></html>
`;
}

export async function writeRunPage(dir: string, j: Journal): Promise<string> {
  const file = path.join(dir, "index.html");
  await writeFile(file, renderRunPage(j));
  return file;
}
