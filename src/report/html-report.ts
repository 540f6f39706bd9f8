/**
 * The run page: `reports/<run-id>/index.html`, one self-contained file that opens from disk.
 * The verdict per area at the top, then what failed with links to its evidence, contracts, each
 * chaos scenario (timeline with fault windows over the workload, steady state before and after,
 * steps, faults, invariants with evidence, rollbacks), the detection matrix, load runs, the
 * stack's start-up waterfall, footprint and claims, and the phases. Reads only the journal.
 */
import type {
  ContractInteraction,
  FaultWindow,
  Journal,
  LoadRun,
  Percentiles,
  ProbeResult,
  ScenarioResult,
  SecondSample,
  SteadyState,
  StepResult,
} from "./journal.ts";
import { escapeHtml as h } from "./escape.ts";
import { renderPage, type ChartSpec } from "./html-page.ts";
import { traceLinks, tracesSection } from "./trace-waterfall.ts";
import { mutationSection } from "./mutation-section.ts";
import { areaVerdicts, checks, loadRunP95, scenarioOutcome, type Check } from "./verdict.ts";

export const MAX_IDS_SHOWN = 500;

const badge = (s: string, text = s) => `<span class="badge ${h(s)}">${h(text)}</span>`;
export const fmtMs = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "-"
    : v >= 10_000
      ? `${(v / 1000).toFixed(1)} s`
      : v >= 10
        ? `${Math.round(v)} ms`
        : `${v.toFixed(1)} ms`;
export const fmtBytes = (n: number | undefined): string =>
  n === undefined
    ? "-"
    : n >= 1 << 20
      ? `${(n / (1 << 20)).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${n} B`;
const t = (iso: string) => Date.parse(iso);
/** Seconds since t0, one decimal: "+12.3 s". */
const offset = (iso: string | undefined, t0: number) =>
  iso === undefined ? "-" : `+${((t(iso) - t0) / 1000).toFixed(1)} s`;
const td = (v: string, cls = "") => `<td${cls ? ` class="${cls}"` : ""}>${v}</td>`;
const num = (v: string) => td(v, "num");
function table(head: string[], rows: string[], cls = ""): string {
  if (rows.length === 0) return `<p class="muted">none</p>`;
  return `<table${cls ? ` class="${cls}"` : ""}><thead><tr>${head
    .map((x) => (x.startsWith("#") ? `<th class="num">${h(x.slice(1))}</th>` : `<th>${h(x)}</th>`))
    .join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}
/**
 * A JSON value (a probe's reading, a step's output, evidence): short ones inline; long ones as
 * their start, unfolding to the whole value pretty-printed (open when it is evidence of a failure).
 */
function value(v: unknown, open = false): string {
  if (v === undefined) return "-";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  if (s.length <= 100) return `<code>${h(s)}</code>`;
  const pretty = typeof v === "string" ? v : JSON.stringify(v, null, 2);
  const cut =
    pretty.length > 8000
      ? `${pretty.slice(0, 8000)}\n… (${pretty.length} characters; all in journal.json)`
      : pretty;
  return `<details${open ? " open" : ""}><summary><code>${h(s.slice(0, 60))}…</code></summary><pre>${h(cut)}</pre></details>`;
}
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);

export const anchors = {
  contract: (i: number) => `contract-${i}`,
  scenario: (i: number, s: { name: string }) => `scenario-${i}-${slug(s.name)}`,
  load: (i: number, r: { name: string }) => `load-${i}-${slug(r.name)}`,
};

// ---- charts ----------------------------------------------------------------------------------

interface Charts {
  specs: ChartSpec[];
  next: (prefix: string) => string;
}

const COLORS = {
  ok: "#1a7f37",
  fail: "#cf222e",
  unknown: "#bf8700",
  dropped: "#8250df",
  requests: "#0969da",
  med: "#0969da",
  p90: "#54aeff",
  p95: "#bf3989",
  p99: "#cf222e",
  vus: "#57606a",
  rate: "#cf222e",
};

/** Three charts over one time axis (throughput, latency percentiles, error rate), fault windows shaded. */
function timeline(
  c: Charts,
  prefix: string,
  samples: SecondSample[],
  windows: FaultWindow[],
  t0: number,
  steps: StepResult[] = [],
): string {
  if (samples.length === 0) return `<p class="muted">No per-second series was recorded.</p>`;
  const sorted = [...samples].sort((a, b) => t(a.t) - t(b.t));
  const x = sorted.map((s) => Math.round((t(s.t) - t0) / 100) / 10);
  const w = windows.map((f) => ({
    start: (t(f.start) - t0) / 1000,
    end: f.end === undefined ? null : (t(f.end) - t0) / 1000,
    label: f.label,
  }));
  const col = (f: (s: SecondSample) => number | null | undefined) => sorted.map((s) => f(s) ?? null);
  const group = c.next(`${prefix}-sync`);
  const common = { group, xLabel: "seconds since start", x, windows: w };
  // Faults and heals are the windows' edges; waits say nothing: the other steps are marked.
  const marked = steps.filter((st) => st.kind !== "fault" && st.kind !== "heal" && st.kind !== "wait");
  const marks = (labelled: boolean) =>
    marked.map((st) => ({
      at: (t(st.startedAt) - t0) / 1000,
      failed: st.status === "failed" || st.status === "error",
      ...(labelled ? { label: st.name.length > 32 ? `${st.name.slice(0, 31)}…` : st.name } : {}),
    }));
  const hasDropped = sorted.some((s) => s.dropped > 0);
  const hasVus = sorted.some((s) => s.vus !== undefined);
  const throughput: ChartSpec = {
    ...common,
    id: c.next(prefix),
    title: "Throughput (requests per second)",
    marks: marks(true),
    scales: { rps: { label: "req/s" }, ...(hasVus ? { vus: { label: "VUs" } } : {}) },
    series: [
      { label: "ok", scale: "rps", color: COLORS.ok, values: col((s) => s.ok), fill: true },
      { label: "fail", scale: "rps", color: COLORS.fail, values: col((s) => s.fail) },
      { label: "unknown", scale: "rps", color: COLORS.unknown, values: col((s) => s.unknown) },
      ...(hasDropped
        ? [
            {
              label: "dropped",
              scale: "rps",
              color: COLORS.dropped,
              values: col((s) => s.dropped),
              dash: true,
            },
          ]
        : []),
      ...(hasVus
        ? [{ label: "VUs", scale: "vus", color: COLORS.vus, values: col((s) => s.vus), dash: true }]
        : []),
    ],
  };
  const latency: ChartSpec = {
    ...common,
    id: c.next(prefix),
    title: "Latency percentiles",
    marks: marks(false),
    scales: { ms: { label: "ms", unit: " ms" } },
    series: (["med", "p90", "p95", "p99"] as const).map((k) => ({
      label: k === "med" ? "p50" : k,
      scale: "ms",
      color: COLORS[k],
      values: col((s) => s.latencyMs?.[k]),
    })),
  };
  const errors: ChartSpec = {
    ...common,
    id: c.next(prefix),
    title: "Error rate (fail + unknown)",
    marks: marks(false),
    height: 170,
    scales: { pct: { label: "%", unit: " %", min: 0 } },
    series: [
      {
        label: "errors",
        scale: "pct",
        color: COLORS.rate,
        fill: true,
        values: col((s) =>
          s.requests ? Math.round(((s.fail + s.unknown) / s.requests) * 10_000) / 100 : null,
        ),
      },
    ],
  };
  // A workload that recorded no latency gets no empty latency chart.
  const charts = sorted.some((s) => s.latencyMs) ? [throughput, latency, errors] : [throughput, errors];
  c.specs.push(...charts);
  return charts
    .map(
      (s) => `<div class="chart" id="${s.id}" data-chart role="img" aria-label="${h(s.title ?? "")}"></div>`,
    )
    .join("\n");
}

function percentilesRow(p: Percentiles | undefined): string {
  return (["min", "avg", "med", "p90", "p95", "p99", "max"] as const).map((k) => num(fmtMs(p?.[k]))).join("");
}
const PCT_HEAD = ["#min", "#avg", "#p50", "#p90", "#p95", "#p99", "#max"];

// ---- sections --------------------------------------------------------------------------------

function verdictCards(j: Journal): string {
  return `<div class="cards">${areaVerdicts(j)
    .map(
      (v) => `<a class="card ${h(v.status)}" href="#${v.area}" style="text-decoration:none;color:inherit">
  <div class="area">${h(v.area)}</div>
  <div class="headline">${badge(v.status)} ${h(v.headline)}</div>
  <div class="counts">${Object.entries(v.counts)
    .map(([k, n]) => `${h(k)} ${n}`)
    .join(" · ")}</div></a>`,
    )
    .join("")}</div>`;
}

function checkHref(j: Journal, c: Check): string {
  if (c.area === "contracts") return `#${anchors.contract(c.index)}`;
  if (c.area === "chaos") return `#${anchors.scenario(c.index, j.chaos!.scenarios[c.index]!)}`;
  if (c.area === "run") return "#phases";
  return `#${anchors.load(c.index, j.load!.runs[c.index]!)}`;
}

function whatFailed(j: Journal): string {
  const bad = checks(j).filter((c) => c.status === "failed" || c.status === "error");
  // A failed phase that none of the other checks explains is a check of its own (area "run").
  if (bad.length === 0 && !j.reason) return "";
  return `<section id="what-failed"><h2>What failed</h2><div class="failures"><ul>
${j.reason ? `<li><b>run</b>: ${h(j.reason)}</li>` : ""}
${bad
  .map(
    (c) =>
      `<li>${badge(c.status)} <b>${h(c.suite)}</b> <a href="${checkHref(j, c)}">${h(c.name)}</a>: ${h(c.message ?? "")}</li>`,
  )
  .join("\n")}
</ul></div></section>`;
}

function interactionRow(i: ContractInteraction, index: number): string {
  const row = `<tr id="${anchors.contract(index)}">${td(h(i.description))}${td(h(i.kind))}${td(h(i.side))}${td(
    i.providerStates.map((s) => h(s)).join("<br>") || "-",
  )}${td(badge(i.status))}${num(fmtMs(i.durationMs))}</tr>`;
  if (i.mismatches.length === 0) return row;
  const mism = i.mismatches
    .map(
      (m) =>
        `<tr>${td(`<code>${h(m.path)}</code><br>${h(m.message)}`)}${td(`<pre>${h(m.expected ?? "-")}</pre>`)}${td(`<pre>${h(m.actual ?? "-")}</pre>`)}</tr>`,
    )
    .join("");
  return `${row}<tr class="mismatch"><td colspan="6"><table class="diff"><thead><tr><th>where</th><th>expected</th><th>actual</th></tr></thead><tbody>${mism}</tbody></table></td></tr>`;
}

function contractsSection(j: Journal): string {
  const c = j.contracts;
  if (!c) return `<section id="contracts"><h2>Contracts</h2><p class="muted">Not run.</p></section>`;
  const pairs = new Map<string, { consumer: string; provider: string; rows: string[] }>();
  c.interactions.forEach((i, index) => {
    const key = `${i.consumer}\u0000${i.provider}`;
    const p = pairs.get(key) ?? { consumer: i.consumer, provider: i.provider, rows: [] };
    p.rows.push(interactionRow(i, index));
    pairs.set(key, p);
  });
  return `<section id="contracts"><h2>Contracts ${badge(c.status)}</h2>
${c.detail ? `<p>${h(c.detail)}</p>` : ""}
<p>Pacts: ${c.pacts.map((p) => `<code>${h(p.consumer)} → ${h(p.provider)}</code>${p.file ? ` <small>${h(p.file)}</small>` : ""}`).join(", ") || "none"}</p>
${[...pairs.values()]
  .map(
    (p) =>
      `<h3>${h(p.consumer)} → ${h(p.provider)}</h3>${table(["interaction", "kind", "side", "provider states", "status", "#time"], p.rows)}`,
  )
  .join("\n")}
</section>`;
}

function probesTable(title: string, ss: SteadyState | undefined, t0: number): string {
  if (!ss) return `<div><h4>${h(title)}</h4><p class="muted">not checked</p></div>`;
  const rows = ss.probes.map(
    (p: ProbeResult) =>
      `<tr>${td(`${h(p.name)} <small>${h(p.kind)}</small>`)}${td(h(p.tolerance))}${td(
        p.error ? `<b>could not run:</b> ${h(p.error)}` : value(p.value, !p.ok),
      )}${td(badge(p.ok ? "ok" : "failed"))}${num(offset(p.at, t0))}</tr>`,
  );
  return `<div><h4>${h(title)} ${badge(ss.met ? "held" : "failed", ss.met ? "met" : "not met")}</h4>${table(["probe", "tolerance", "value", "", "#at"], rows)}</div>`;
}

function idsList(ids: string[], links: Map<string, string> = new Map()): string {
  if (ids.length === 0) return "";
  const shown = ids
    .slice(0, MAX_IDS_SHOWN)
    .map((id) =>
      links.has(id)
        ? `<a href="#${h(links.get(id))}" title="its trace"><code>${h(id)}</code></a>`
        : `<code>${h(id)}</code>`,
    )
    .join("");
  const more =
    ids.length > MAX_IDS_SHOWN
      ? `<small>… and ${ids.length - MAX_IDS_SHOWN} more (all ${ids.length} in journal.json)</small>`
      : "";
  return `<div class="ids">${shown}${more}</div>`;
}

function scenarioArticle(c: Charts, j: Journal, s: ScenarioResult, index: number): string {
  const t0 = t(s.startedAt);
  const o = scenarioOutcome(s, j.chaos?.detection);
  const id = anchors.scenario(index, s);
  const samples = s.workload?.series.length ? s.workload.series : (s.load?.series ?? []);
  const windows = [
    ...s.faults,
    ...(s.load?.faultWindows ?? []).filter((w) => !s.faults.some((f) => f.id === w.id)),
  ];
  const wl = s.workload;
  const steps = s.steps.map(
    (st) =>
      `<tr>${num(offset(st.startedAt, t0))}${num(fmtMs(t(st.endedAt) - t(st.startedAt)))}${td(`${h(st.name)} <small>${h(st.kind)}</small>`)}${td(
        badge(st.status),
      )}${td(`<pre>${h(st.detail)}</pre>${st.output === undefined ? "" : value(st.output, st.status !== "ok")}`)}</tr>`,
  );
  const faults = s.faults.map(
    (f) =>
      `<tr>${td(h(f.label))}${td(h(f.kind))}${td(h(f.target))}${num(offset(f.requestedAt, t0))}${num(offset(f.activeAt, t0))}${num(
        f.end === undefined ? `<b>not healed</b>` : offset(f.end, t0),
      )}${num(f.recoveryMs === null ? "<b>did not recover</b>" : fmtMs(f.recoveryMs))}</tr>`,
  );
  const links = traceLinks(id, s.traces);
  const invariants = s.invariants.map((v) => {
    const vals = Object.entries(v.evidence.values);
    return `<tr>${td(`<b>${h(v.name)}</b><br><small>${h(v.description)}</small>`)}${td(badge(v.status))}${td(
      `${h(v.detail)}${idsList(v.evidence.ids, links)}${
        vals.length
          ? `<table>${vals.map(([k, x]) => `<tr>${td(h(k))}${td(value(x, v.status !== "held"))}</tr>`).join("")}</table>`
          : ""
      }`,
    )}</tr>`;
  });
  const rollbacks = s.rollbacks.map(
    (r) =>
      `<tr>${td(h(r.fault))}${num(offset(r.startedAt, t0))}${num(fmtMs(t(r.endedAt) - t(r.startedAt)))}${td(badge(r.status))}${td(h(r.detail))}</tr>`,
  );
  return `<article class="scenario ${o.status}" id="${id}">
<h3>${h(s.name)} ${badge(o.status)}${s.flaky ? ` ${badge("unknown", "flaky")}` : ""}${
    s.sabotage.length ? ` ${badge("unknown", `sabotage: ${s.sabotage.join(", ")}`)}` : ""
  } <small>${h(s.title)}</small></h3>
<p class="muted">status <b>${h(s.status)}</b>${s.deviated ? ", <b>deviated</b>" : ""} · ${h(s.file)} · seed ${s.seed} · attempt ${s.attempt} · ${fmtMs(s.durationMs)} · started ${h(s.startedAt)}${
    s.tags.length ? ` · tags ${s.tags.map((x) => `<code>${h(x)}</code>`).join(" ")}` : ""
  }${s.catches.length ? ` · catches ${s.catches.map((x) => `<code>${h(x)}</code>`).join(" ")}` : ""}</p>
<p>${h(o.message)}</p>
${s.reason ? `<p><b>Reason:</b> ${h(s.reason)}</p>` : ""}
${
  s.failures.length
    ? `<div class="failures"><b>Failures</b><ul>${s.failures.map((f) => `<li><b>${h(f.check)}</b>: ${h(f.evidence)}</li>`).join("")}</ul></div>`
    : ""
}
<h4>Timeline${wl ? ` <small>${h(wl.description)}</small>` : ""}</h4>
${timeline(c, id, samples, windows, t0, s.steps)}
${
  wl
    ? `<div class="figures"><div>invoked<b>${wl.invoked}</b></div><div>ok<b>${wl.ok}</b></div><div>fail<b>${wl.fail}</b></div><div>unknown<b>${wl.unknown}</b></div>${
        wl.latencyMs
          ? `<div>p50<b>${fmtMs(wl.latencyMs.med)}</b></div><div>p95<b>${fmtMs(wl.latencyMs.p95)}</b></div><div>p99<b>${fmtMs(wl.latencyMs.p99)}</b></div>`
          : ""
      }</div>`
    : ""
}
<div class="side">${probesTable("Steady state before", s.steadyStateBefore, t0)}${probesTable("Steady state after", s.steadyStateAfter, t0)}</div>
<h4>Steps</h4>${table(["#start", "#took", "step", "status", "detail"], steps)}
<h4>Faults</h4>${table(["fault", "kind", "target", "#requested", "#in force", "#healed", "#recovery"], faults)}
<h4>Invariants</h4>${table(["invariant", "status", "detail and evidence"], invariants)}
<h4>Rollbacks</h4>${table(["fault", "#start", "#took", "status", "detail"], rollbacks)}
${tracesSection(s.traces, id)}
${s.load ? `<h4>Load during the scenario</h4>${loadFigures(s.load)}` : ""}
</article>`;
}

function chaosSection(c: Charts, j: Journal): string {
  const ch = j.chaos;
  if (!ch) return `<section id="chaos"><h2>Chaos</h2><p class="muted">Not run.</p></section>`;
  const toc = ch.scenarios
    .map(
      (s, i) =>
        `<li><a href="#${anchors.scenario(i, s)}">${h(s.name)}</a>${
          s.sabotage.length ? ` <small>with ${h(s.sabotage.join(", "))}</small>` : ""
        } ${badge(scenarioOutcome(s, ch.detection).status)}</li>`,
    )
    .join("");
  return `<section id="chaos"><h2>Chaos <small>${ch.scenarios.length} scenario runs</small></h2>
${toc ? `<ul class="toc">${toc}</ul>` : ""}
${ch.scenarios.map((s, i) => scenarioArticle(c, j, s, i)).join("\n")}
</section>`;
}

function detectionSection(j: Journal): string {
  const d = j.chaos?.detection;
  if (!d) return `<section id="detection"><h2>Detection matrix</h2><p class="muted">Not run.</p></section>`;
  const rows = d.scenarios.map((sc) => {
    const cells = d.switches.map((sw) => {
      const cell = d.cells.find((x) => x.scenario === sc && x.switch === sw);
      if (!cell) return `<td class="cell muted">·</td>`;
      const title = `${cell.expected} expected; ${cell.status}${cell.deviated ? ", deviated" : ""}${cell.reason ? `: ${cell.reason}` : ""}`;
      return `<td class="cell ${cell.ok ? "ok" : "bad"}" title="${h(title)}">${cell.ok ? "✓" : "✗"} ${h(cell.expected)}<br><small>${h(cell.status)}${
        cell.reason ? ` · ${h(cell.reason.length > 60 ? `${cell.reason.slice(0, 60)}…` : cell.reason)}` : ""
      }</small></td>`;
    });
    return `<tr>${td(h(sc))}${cells.join("")}</tr>`;
  });
  const ok = d.cells.filter((x) => x.ok).length;
  return `<section id="detection"><h2>Detection matrix <small>${ok} of ${d.cells.length} cells as expected</small></h2>
<p class="muted">Each scenario runs against the target with each switch it claims to catch (it must deviate, for the reason it names) and without any (<code>none</code>: it must hold).</p>
<div class="scroll">${table(["scenario", ...d.switches], rows, "matrix")}</div>
${d.uncovered.length ? `<p>Switches no scenario claims to catch: ${d.uncovered.map((x) => `<code>${h(x)}</code>`).join(" ")}</p>` : ""}
</section>`;
}

function coverageSection(j: Journal): string {
  const cm = j.chaos?.coverage;
  if (!cm) return "";
  const table1 = (kind: "edge" | "container", faults: string[]) => {
    const required = kind === "edge" ? cm.required.edge : cm.required.container;
    const rows = cm.rows
      .filter((r) => r.kind === kind)
      .map((r) => {
        const cells = r.cells.map((c) => {
          const need = required.includes(c.fault);
          if (!c.scenarios.length)
            return `<td class="cell ${need ? "bad" : "muted"}" title="${h(need ? "required, empty" : "empty")}">·</td>`;
          const title = `${c.scenarios.join(", ")}; judged by: ${c.invariants.join("; ") || "no invariant"}`;
          return `<td class="cell ok" title="${h(title)}">${c.scenarios.map((x) => h(x)).join("<br>")}<br><small>${c.invariants.length} invariant(s)</small></td>`;
        });
        const subject =
          kind === "edge" && r.deadlineMs
            ? `${h(r.subject)} <small>(deadline ${r.deadlineMs} ms)</small>`
            : h(r.subject);
        return `<tr>${td(subject)}${cells.join("")}</tr>`;
      });
    return `<div class="scroll">${table([kind, ...faults], rows, "matrix")}</div>`;
  };
  const empty = cm.rows.flatMap((r) =>
    r.cells
      .filter(
        (c) =>
          !c.scenarios.length &&
          (r.kind === "edge" ? cm.required.edge : cm.required.container).includes(c.fault),
      )
      .map((c) => `${r.subject} × ${c.fault}`),
  );
  return `<section id="coverage"><h2>Fault coverage <small>${empty.length ? `${empty.length} required cell(s) empty` : "every required cell covered"}</small></h2>
<p class="muted">From the manifest: every edge × {${h(cm.edgeFaults.join(", "))}} (latency counts beyond the caller's deadline; hang is Toxiproxy's timeout toxic) and every container × {${h(cm.containerFaults.join(", "))}}; each cell names the scenarios of the whole catalog that inject that fault there (hover: the invariants judged). Required: ${h(cm.required.edge.join(", "))} per edge, ${h(cm.required.container.join(", "))} per container.</p>
${table1("edge", cm.edgeFaults)}
${table1("container", cm.containerFaults)}
${empty.length ? `<p>Empty required cells: ${empty.map((x) => `<code>${h(x)}</code>`).join(" ")}</p>` : ""}
</section>`;
}

function loadFigures(r: LoadRun): string {
  const reqs = r.series.reduce((a, s) => a + s.requests, 0);
  const errs = r.series.reduce((a, s) => a + s.fail + s.unknown, 0);
  const secs = Math.max(1, (t(r.endedAt) - t(r.startedAt)) / 1000);
  return `<div class="figures"><div>requests<b>${reqs}</b></div><div>rate<b>${(reqs / secs).toFixed(1)}/s</b></div><div>errors<b>${
    reqs ? ((errs / reqs) * 100).toFixed(2) : "0.00"
  } %</b></div><div>p95<b>${fmtMs(loadRunP95(r))}</b></div><div>duration<b>${secs.toFixed(0)} s</b></div></div>`;
}

function loadArticle(c: Charts, r: LoadRun, index: number): string {
  const id = anchors.load(index, r);
  const t0 = t(r.startedAt);
  const thresholds = r.thresholds.map(
    (x) =>
      `<tr>${td(h(x.metric))}${td(`<code>${h(x.expression)}</code>`)}${num(x.observed === null ? "no value" : String(+x.observed.toFixed(3)))}${td(
        badge(x.ok ? "passed" : "failed"),
      )}${td(x.abortOnFail ? "aborts the run" : "")}</tr>`,
  );
  const requests = r.requests.map(
    (q) =>
      `<tr>${td(h(q.name))}${td(h(q.protocol))}${num(String(q.count))}${num(String(q.failed))}${percentilesRow(q.latencyMs)}</tr>`,
  );
  const metrics = Object.entries(r.metrics).map(
    ([name, m]) =>
      `<tr>${td(h(name))}${td(h(m.type))}${td(
        Object.entries(m.values)
          .map(([k, v]) => `${h(k)}=${+v.toFixed(3)}`)
          .join(" · "),
      )}</tr>`,
  );
  const win = r.windows;
  return `<article class="loadrun" id="${id}">
<h3>${h(r.name)} ${badge(r.status)} <small>${h(r.executor)}${r.profile ? ` · profile ${h(r.profile)}` : ""}${r.file ? ` · ${h(r.file)}` : ""}</small></h3>
${r.detail ? `<p>${h(r.detail)}</p>` : ""}
${loadFigures(r)}
${timeline(c, id, r.series, r.faultWindows, t0)}
<h4>Thresholds</h4>${table(["metric", "expression", "#observed", "pass", ""], thresholds)}
<h4>Requests</h4>${table(["request", "protocol", "#count", "#failed", ...PCT_HEAD], requests)}
${
  win
    ? `<h4>Before, during and after the faults</h4>${table(
        ["window", "#req/s", "#error rate", "#p95"],
        (["before", "during", "after"] as const).map(
          (k) =>
            `<tr>${td(k)}${num(win[k].rps.toFixed(1))}${num(`${(win[k].errorRate * 100).toFixed(2)} %`)}${num(fmtMs(win[k].p95))}</tr>`,
        ),
      )}<p>Time to recover: <b>${r.recoveryMs === null ? "did not recover" : fmtMs(r.recoveryMs)}</b></p>`
    : ""
}
${
  r.baseline
    ? `<h4>Against baseline run <code>${h(r.baseline.runId)}</code></h4>${table(
        ["figure", "#baseline", "#current", "tolerance", "ok"],
        r.baseline.comparisons.map(
          (b) =>
            `<tr>${td(h(b.figure))}${num(String(+b.baseline.toFixed(3)))}${num(String(+b.current.toFixed(3)))}${td(h(b.tolerance))}${td(badge(b.ok ? "passed" : "failed"))}</tr>`,
        ),
      )}`
    : ""
}
<details><summary>Metrics (${metrics.length})</summary>${table(["metric", "type", "values"], metrics)}</details>
</article>`;
}

function loadSection(c: Charts, j: Journal): string {
  const runs = j.load?.runs ?? [];
  if (runs.length === 0) return `<section id="load"><h2>Load</h2><p class="muted">Not run.</p></section>`;
  return `<section id="load"><h2>Load <small>${runs.length} run${runs.length === 1 ? "" : "s"}</small></h2>
${runs.map((r, i) => loadArticle(c, r, i)).join("\n")}</section>`;
}

function stackSection(j: Journal): string {
  const st = j.stack;
  if (!st)
    return `<section id="stack"><h2>Stack start-up</h2><p class="muted">No stack timings (attached to a running stack, or not started).</p></section>`;
  const t0 = t(st.startedAt);
  const end = Math.max(t(st.readyAt), ...st.containers.map((c) => t(c.readyAt))) - t0 || 1;
  const pct = (ms: number) => `${Math.max(0, Math.min(100, (ms / end) * 100)).toFixed(2)}%`;
  const rows = [...st.containers]
    .sort((a, b) => t(a.createdAt) - t(b.createdAt))
    .map((c) => {
      const created = t(c.createdAt) - t0;
      const started = t(c.startedAt) - t0;
      const ready = t(c.readyAt) - t0;
      return `<tr>${td(h(c.name))}<td style="width:45%"><div class="wf" title="${h(`${c.name}: created +${created} ms, started +${started} ms, ready +${ready} ms`)}"><span class="create" style="left:${pct(
        created,
      )};width:${pct(started - created)}"></span><span class="start" style="left:${pct(started)};width:${pct(ready - started)}"></span></div></td>${num(
        `+${fmtMs(created)}`,
      )}${num(fmtMs(c.createdToStartedMs))}${num(fmtMs(c.startedToReadyMs))}${num(fmtMs(c.createdToReadyMs))}</tr>`;
    });
  return `<section id="stack"><h2>Stack start-up <small>${fmtMs(st.totalMs)} to ready</small></h2>
<p class="muted"><span class="badge" style="background:#afb8c1">created → started</span> <span class="badge" style="background:#54aeff">started → ready</span> on one axis from ${h(st.startedAt)}.</p>
${table(["container", "waterfall", "#created at", "#created → started", "#started → ready", "#created → ready"], rows)}
</section>`;
}

function footprintSection(j: Journal): string {
  const f = j.footprint;
  if (!f)
    return `<section id="footprint"><h2>Footprint and claims</h2><p class="muted">Not measured.</p></section>`;
  const services = f.services.map(
    (s) =>
      `<tr>${td(h(s.name))}${num(fmtBytes(s.imageBytes))}${num(fmtBytes(s.imageCompressedBytes))}${num(fmtMs(s.startToReadyMs?.median))}${num(
        fmtMs(s.startToReadyMs?.p90),
      )}${num(s.startToReadyMs ? String(s.startToReadyMs.samples) : "-")}${num(fmtBytes(s.memory?.idleBytes))}${num(fmtBytes(s.memory?.loadBytes))}${num(
        fmtBytes(s.memory?.idleRssBytes),
      )}</tr>`,
  );
  const claims = f.claims.map(
    (c) =>
      `<tr>${td(h(c.claim))}${td(h(c.measured))}${td(c.held === null ? badge("skipped", "not measured") : badge(c.held ? "yes" : "no"))}${td(h(c.detail ?? ""))}</tr>`,
  );
  const keys = [...new Set(f.comparisons.flatMap((c) => Object.keys(c.figures)))];
  const comparisons = f.comparisons.map(
    (c) =>
      `<tr>${td(h(c.name))}${keys.map((k) => num(c.figures[k] === undefined ? "-" : h(String(c.figures[k])))).join("")}</tr>`,
  );
  return `<section id="footprint"><h2>Footprint and claims</h2>
<h3>Claims</h3>${table(["claim", "measured", "held", "detail"], claims)}
<h3>Services</h3>${table(["service", "#image", "#compressed", "#start → ready p50", "#p90", "#samples", "#memory idle", "#memory load", "#RSS idle"], services)}
${comparisons.length ? `<h3>Comparisons</h3>${table(["", ...keys.map((k) => `#${k}`)], comparisons)}` : ""}
</section>`;
}

function phasesSection(j: Journal): string {
  const rows = j.phases.map(
    (p) =>
      `<tr>${td(h(p.name))}${td(badge(p.status))}${num(fmtMs(p.durationMs))}${td(
        `<pre>${h(p.detail)}</pre>${
          p.items?.length
            ? `<details><summary>${p.items.length} items</summary>${table(
                ["item", "status", "#time", "detail"],
                p.items.map(
                  (i) =>
                    `<tr>${td(h(i.name))}${td(badge(i.status))}${num(fmtMs(i.durationMs))}${td(`<pre>${h(i.detail ?? "")}</pre>`)}</tr>`,
                ),
              )}</details>`
            : ""
        }`,
      )}</tr>`,
  );
  return `<section id="phases"><h2>Phases</h2>${table(["phase", "status", "#took", "detail"], rows)}</section>`;
}

export interface RunPageLinks {
  /** Files next to the page that exist: linked from the header. */
  files?: string[];
  /** The runs index, relative to the page. */
  index?: string;
}

/** The run page as one HTML string. */
export async function renderRunPage(j: Journal, links: RunPageLinks = {}): Promise<string> {
  let n = 0;
  const charts: Charts = { specs: [], next: (p) => `c${++n}-${p.slice(0, 24)}` };
  const sections = [
    whatFailed(j),
    contractsSection(j),
    chaosSection(charts, j),
    detectionSection(j),
    coverageSection(j),
    loadSection(charts, j),
    stackSection(j),
    footprintSection(j),
    mutationSection(j),
    phasesSection(j),
  ].join("\n");
  const dur = (t(j.endedAt) - t(j.startedAt)) / 1000;
  const nav = [
    ...(links.index ? [`<a href="${h(links.index)}">All runs</a>`] : []),
    ...(links.files ?? []).map((f) => `<a href="${h(f)}">${h(f)}</a>`),
    ...[
      "contracts",
      "chaos",
      "detection",
      "load",
      "stack",
      "footprint",
      ...(j.mutation ? ["mutation"] : []),
      "phases",
    ].map((s) => `<a href="#${s}">${s}</a>`),
  ].join(" ");
  const header = `<h1>faultline · ${h(j.target)} ${badge(j.status)}</h1>
<p class="muted">Run <code>${h(j.runId)}</code> · <code>${h(j.command)}</code>${j.driver ? ` · driver <b>${h(j.driver)}</b>` : ""} · ${h(j.startedAt)} → ${h(j.endedAt)} (${dur.toFixed(1)} s) · journal v${j.version}</p>
${j.reason ? `<p><b>${h(j.status)}:</b> ${h(j.reason)}</p>` : ""}
<nav class="links">${nav}</nav>
${verdictCards(j)}`;
  return renderPage({
    title: `faultline ${j.runId}: ${j.status}`,
    header,
    body: sections,
    charts: charts.specs,
  });
}

// The main job imports the writer from here.
