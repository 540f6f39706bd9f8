/**
 * The mutation part of a run page (`faultline mutate`): the score per service and per operator,
 * then one row per mutant with its status and what killed it, the diff folded under it; the
 * survivors again with the scenarios they ran against and the property no scenario checks; the
 * mutants judged equivalent apart. Reads only the journal.
 */
import type { Journal, MutantResult, MutationScore } from "./journal.ts";
import { escapeHtml as h } from "./escape.ts";

const BADGE: Record<MutantResult["status"], string> = {
  killed: "passed",
  "killed-unit": "passed",
  "killed-startup": "passed",
  survived: "failed",
  timeout: "skipped",
  equivalent: "measured",
  "not-built": "unknown",
  "harness-error": "aborted",
  "not-run": "interrupted",
};

const pct = (v: number | null) => (v === null ? "-" : `${Math.round(v * 100)}%`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function scoreTable(title: string, rows: MutationScore[], total?: MutationScore): string {
  const tr = (s: MutationScore, cls = "") =>
    `<tr${cls ? ` class="${cls}"` : ""}><td>${h(s.name)}</td><td class="num score">${pct(s.score)}</td><td class="num">${pct(s.catalogScore)}</td><td class="num">${s.killed}</td><td class="num">${s.killedByUnitTests}</td><td class="num">${s.survived}</td><td class="num">${s.timeout}</td><td class="num">${s.equivalent}</td><td class="num">${s.notCounted}</td></tr>`;
  return `<table class="mutation-scores" data-by="${h(title)}"><thead><tr><th>${h(title)}</th><th class="num">score</th><th class="num">catalog score</th><th class="num">killed</th><th class="num">of them by unit tests</th><th class="num">survived</th><th class="num">timeout</th><th class="num">equivalent</th><th class="num">not counted</th></tr></thead><tbody>${rows
    .map((r) => tr(r))
    .join("")}${total ? tr(total, "total") : ""}</tbody></table>`;
}

function diffBlock(diff: string): string {
  const lines = diff
    .split("\n")
    .map((l) => {
      const cls =
        l.startsWith("+++") || l.startsWith("---")
          ? "hd"
          : l.startsWith("+")
            ? "add"
            : l.startsWith("-")
              ? "del"
              : l.startsWith("@@")
                ? "hunk"
                : "";
      return cls ? `<span class="${cls}">${h(l)}</span>` : h(l);
    })
    .join("\n");
  return `<pre class="diff">${lines}</pre>`;
}

function mutantRow(r: MutantResult): string {
  return `<tr class="mutant" data-id="${h(r.id)}" data-status="${h(r.status)}"><td><code>${h(r.id)}</code></td><td>${h(r.service)}</td><td>${h(r.operator)}</td><td><code>${h(r.file)}:${r.line}</code>${r.function ? `<br><small>${h(r.function)}</small>` : ""}</td><td><span class="badge ${BADGE[r.status]}">${h(r.status)}</span></td><td>${h(r.detail)}${r.equivalentReason ? `<br><small>equivalent: ${h(r.equivalentReason)}</small>` : ""}<details><summary>diff</summary>${diffBlock(r.diff)}</details></td><td class="num">${r.durationMs ? secs(r.durationMs) : "-"}</td></tr>`;
}

function survivor(r: MutantResult): string {
  const ran = r.scenarios.length
    ? r.scenarios
        .map((s) => `<code>${h(s.scenario)}</code> ${h(s.status)} (${secs(s.durationMs)})`)
        .join(", ")
    : "none";
  return `<li class="survivor" data-id="${h(r.id)}"><b>${h(r.service)}</b> · ${h(r.operator)} · <code>${h(r.file)}:${r.line}</code><br>
<code>${h(r.original)}</code> → <code>${h(r.mutated)}</code><br>
<span class="hint">${h(r.hint)}</span><br><small>ran against: ${ran}</small>
<details><summary>diff</summary>${diffBlock(r.diff)}</details></li>`;
}

export function mutationSection(j: Journal): string {
  const mu = j.mutation;
  if (!mu) return "";
  const counted = mu.mutants.filter((r) => r.status !== "equivalent");
  const survivors = mu.mutants.filter((r) => r.status === "survived");
  const equivalent = mu.mutants.filter((r) => r.status === "equivalent");
  const base = mu.baseline.length
    ? `<p class="muted">On the correct target first: ${mu.baseline
        .map((b) => `<code>${h(b.scenario)}</code> (${h(b.service)}) ${h(b.status)}`)
        .join(", ")}. Only those that held judge a mutant.</p>`
    : "";
  return `<section id="mutation"><style>
#mutation .diff .add{color:#116329;background:#dafbe1}#mutation .diff .del{color:#82071e;background:#ffebe9}#mutation .diff .hunk{color:#6e7781}#mutation .diff .hd{color:#6e7781;font-weight:600}
#mutation tr.total td{font-weight:600;border-top:2px solid var(--line)} #mutation .hint{color:#82071e}
</style>
<h2>Mutation score <small>${pct(mu.total.score)} · ${mu.total.killed} killed, ${mu.total.survived} survived of ${counted.length} mutants (seed ${mu.seed})</small></h2>
<p class="muted">Score = killed / (killed + survived); the catalog score leaves out the mutants the service's own unit tests killed. Timeouts, equivalent mutants, mutants that do not build and harness errors are not counted. Generated: ${Object.entries(
    mu.generated,
  )
    .map(([s, n]) => `${h(s)} ${n}`)
    .join(", ")}.</p>
${base}
<h3>Per service</h3>${scoreTable("service", mu.byService, mu.total)}
<h3>Per operator</h3>${scoreTable("operator", mu.byOperator)}
<h3>Survivors <small>${survivors.length}</small></h3>
${survivors.length ? `<ul class="survivors">${survivors.map(survivor).join("")}</ul>` : `<p class="muted">none</p>`}
<h3>Every mutant</h3>
<table class="mutants"><thead><tr><th>id</th><th>service</th><th>operator</th><th>where</th><th>status</th><th>what happened</th><th class="num">time</th></tr></thead><tbody>${counted
    .map(mutantRow)
    .join("")}</tbody></table>
<h3>Equivalent <small>${equivalent.length}, not counted</small></h3>
${equivalent.length ? `<table class="equivalent"><tbody>${equivalent.map(mutantRow).join("")}</tbody></table>` : `<p class="muted">none marked in mutate.yaml</p>`}
</section>`;
}
