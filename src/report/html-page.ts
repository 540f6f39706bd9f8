/**
 * The shell of every report page: one self-contained HTML file that opens from disk. uPlot (MIT)
 * is read from node_modules at render time and inlined with its CSS and faultline's chart script.
 * A Content-Security-Policy allows exactly those inline scripts (by hash) and no network access,
 * as a second fence behind escaping.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { escapeHtml as h, jsonForScript } from "./escape.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  chartsJs: string;
}

let assets: Promise<PageAssets> | undefined;

/** uPlot's build and CSS from node_modules and the chart script; read once per process. */
export function pageAssets(): Promise<PageAssets> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    let dist: string;
    try {
      dist = path.dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));
    } catch {
      throw new Error(
        "the report needs the npm package uplot (node_modules/uplot/dist/uPlot.iife.min.js); run `npm install`",
      );
    }
    const [uplotJs, uplotCss, chartsJs] = await Promise.all([
      readFile(path.join(dist, "uPlot.iife.min.js"), "utf8"),
      readFile(path.join(dist, "uPlot.min.css"), "utf8"),
      readFile(path.join(here, "client", "charts.js"), "utf8"),
    ]);
    return { uplotJs, uplotCss, chartsJs };
  })();
  assets.catch(() => (assets = undefined));
  return assets;
}

/** One time series chart: x is seconds (relative, or epoch when xTime), one value per x per series. */
export interface ChartSpec {
  id: string;
  title?: string;
  /** Charts of one group share a cursor. */
  group?: string;
  height?: number;
  xTime?: boolean;
  xLabel: string;
  x: number[];
  scales: Record<string, { label: string; unit?: string; min?: number; max?: number }>;
  series: {
    label: string;
    scale: string;
    color: string;
    values: (number | null)[];
    dash?: boolean;
    fill?: boolean;
  }[];
  windows?: { start: number; end: number | null; label: string }[];
  /** Moments drawn as dashed vertical lines (steps); labelled when `label` is set. */
  marks?: { at: number; label?: string; failed?: boolean }[];
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--info:#0969da}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:#f6f8fa}
main{max-width:78rem;margin:0 auto;padding:1rem 1.25rem 4rem}
header.top{background:#fff;border-bottom:1px solid var(--line);padding:1rem 1.25rem}
header.top .inner{max-width:78rem;margin:0 auto}
h1{font-size:1.45rem;margin:.2rem 0} h2{font-size:1.2rem;margin:2.2rem 0 .6rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem} h4{font-size:.95rem;margin:1rem 0 .3rem}
small,.muted{color:var(--muted);font-weight:normal}
a{color:var(--info)} .nowrap{white-space:nowrap} code{font-size:12px;background:#eff1f3;padding:.05rem .25rem;border-radius:3px}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:12px;max-height:18rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0;background:#fff}
th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f8fa} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.badge{display:inline-block;padding:.02rem .5rem;border-radius:1rem;font-size:.78rem;font-weight:600;color:#fff;background:var(--muted);vertical-align:middle}
.badge.passed,.badge.completed,.badge.held,.badge.ok,.badge.yes{background:var(--ok)}
.badge.failed,.badge.violated,.badge.error,.badge.no{background:var(--bad)}
.badge.aborted{background:#6e1423}
.badge.skipped,.badge.interrupted,.badge.unknown{background:var(--warn)}
.badge.measured{background:var(--info)}
nav.links a{margin-right:1rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.75rem;margin:1rem 0}
.card{background:#fff;border:1px solid var(--line);border-left:6px solid var(--muted);border-radius:6px;padding:.6rem .8rem}
.card.passed{border-left-color:var(--ok)}.card.failed,.card.aborted{border-left-color:var(--bad)}.card.interrupted{border-left-color:var(--warn)}.card.measured{border-left-color:var(--info)}
.card .area{text-transform:uppercase;font-size:.75rem;letter-spacing:.05em;color:var(--muted)}
.card .headline{font-size:1.05rem;font-weight:600;margin:.2rem 0}
.card .counts{font-size:.8rem;color:var(--muted)}
.toc{columns:3 16rem;font-size:.85rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem 1rem .6rem 2rem}
article.scenario,article.loadrun{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.2rem 1rem 1rem;margin:1rem 0}
article.scenario.failed,article.scenario.error{border-left:6px solid var(--bad)}
article.scenario.passed{border-left:6px solid var(--ok)} article.scenario.skipped{border-left:6px solid var(--warn)}
.failures{background:#ffebe9;border:1px solid #ffcecb;border-radius:6px;padding:.4rem .8rem;margin:.6rem 0}
.failures li{margin:.2rem 0}
.chart{min-height:40px;margin:.3rem 0 1.2rem;width:100%}
.scroll{overflow-x:auto}
.matrix td:first-child{white-space:nowrap}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1rem} .side>div{min-width:0}
td code{overflow-wrap:anywhere}
@media (max-width:60rem){.side{grid-template-columns:1fr}}
.figures{display:flex;flex-wrap:wrap;gap:1.5rem;margin:.5rem 0}
.figures div b{display:block;font-size:1.15rem}
.ids{display:flex;flex-wrap:wrap;gap:.25rem;margin:.2rem 0}
.wf{position:relative;height:1.1rem;background:#f6f8fa;border-radius:3px;min-width:12rem}
.wf span{position:absolute;top:0;bottom:0;border-radius:3px}
.wf .create{background:#afb8c1}.wf .start{background:#54aeff}
.matrix td.cell{text-align:center;min-width:6rem;max-width:11rem}
.matrix td.ok{background:#dafbe1}.matrix td.bad{background:#ffebe9}
.diff{table-layout:fixed} .diff th:first-child{width:30%}
.mismatch pre{background:#f6f8fa;padding:.3rem}
`;

export interface PageInput {
  title: string;
  /** Already escaped HTML. */
  header: string;
  body: string;
  charts: ChartSpec[];
}

const sha256 = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

export async function renderPage(p: PageInput): Promise<string> {
  const a = await pageAssets();
  const scripts = [a.uplotJs, a.chartsJs];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map(sha256).join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(csp)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="faultline">
<title>${h(p.title)}</title>
<style>${a.uplotCss}${STYLE}</style>
</head><body>
<header class="top"><div class="inner">${p.header}</div></header>
<main>
${p.body}
</main>
<script type="application/json" id="faultline-charts">${jsonForScript(p.charts)}</script>
<script>${a.uplotJs}</script>
<script>${a.chartsJs}</script>
</body></html>
`;
}
