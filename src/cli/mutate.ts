import path from "node:path";
import type { Command } from "commander";
import { ScenarioError } from "../chaos/catalog.ts";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { ManifestError } from "../env/manifest.ts";
import { reportRunId, runId } from "../env/run-labels.ts";
import { GeneratorError, listOperators } from "../mutate/generator.ts";
import { MutateConfigError } from "../mutate/mutate-config.ts";
import { runMutation, type Progress } from "../mutate/mutate-run.ts";
import { ResumeError } from "../mutate/run-state.ts";
import { pct } from "../mutate/score.ts";
import { projectRoot } from "../paths.ts";
import type { MutationScore } from "../report/journal.ts";
import { printTable } from "./output.ts";
import { stackProgress } from "./stack.ts";
import { targetOption } from "./target-option.ts";

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

/** "30m", "1h", "90s", "1h30m" -> milliseconds. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(v.trim());
  if (!m || !v.trim() || (!m[1] && !m[2] && !m[3]))
    throw new ScenarioError(`${flag}: "${v}" is not a duration; write it as 30m, 1h, 90s or 1h30m`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

const list = (v: string, prev: string[] = []) => [...prev, ...v.split(",").filter(Boolean)];
const mins = (ms: number) =>
  ms >= 60_000
    ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
    : `${Math.round(ms / 1000)}s`;

function progressLine(p: Progress): void {
  const r = p.result;
  err(
    `[${p.index}/${p.total}] ${r.service} ${r.id} ${r.operator} ${r.file}:${r.line} → ${r.status} in ${(p.elapsedMs / 1000).toFixed(1)} s · ~${mins(p.leftMs)} left${r.detail ? `\n      ${r.detail.slice(0, 200)}` : ""}`,
  );
}

const scoreRows = (rows: MutationScore[]) =>
  rows.map((s) => [
    s.name,
    pct(s.score),
    pct(s.catalogScore),
    String(s.killed),
    String(s.killedByUnitTests),
    String(s.survived),
    String(s.timeout),
    String(s.equivalent),
    String(s.notCounted),
  ]);
const SCORE_HEAD = [
  "",
  "score",
  "catalog",
  "killed",
  "by unit",
  "survived",
  "timeout",
  "equivalent",
  "not counted",
];

interface Opts {
  target: string;
  service?: string[];
  operator?: string[];
  maxMutants?: string;
  budget: string;
  mutantTimeout: string;
  unitTimeout: string;
  seed?: string;
  resume?: boolean;
  scenario?: string[];
  mutant?: string[];
  maxScenarios: string;
  json?: boolean;
  listOperators?: boolean;
}

async function action(opts: Opts): Promise<void> {
  if (opts.listOperators) {
    const ops = await listOperators();
    if (opts.json) out(JSON.stringify(ops, null, 2));
    else for (const o of ops) out(`${o.name}\n  ${o.doc}\n  e.g. ${o.example}\n`);
    return;
  }
  const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed) || seed < 0)
    throw new ScenarioError(`--seed: "${opts.seed}" is not a non-negative integer`);
  const max = opts.maxMutants !== undefined ? Number(opts.maxMutants) : undefined;
  if (max !== undefined && (!Number.isInteger(max) || max < 1))
    throw new ScenarioError(`--max-mutants: "${opts.maxMutants}" is not a positive integer`);
  if (opts.operator?.length) {
    const known = (await listOperators()).map((o) => o.name);
    const bad = opts.operator.filter((o) => !known.includes(o));
    if (bad.length)
      throw new ScenarioError(`--operator: unknown ${bad.join(", ")}; known: ${known.join(", ")}`);
  }
  const maxScenarios = Number(opts.maxScenarios);
  if (!Number.isInteger(maxScenarios) || maxScenarios < 1)
    throw new ScenarioError(`--max-scenarios: "${opts.maxScenarios}" is not a positive integer`);
  const budgetMs = parseDuration("--budget", opts.budget);
  const mutantTimeoutMs = parseDuration("--mutant-timeout", opts.mutantTimeout);
  const unitTimeoutMs = parseDuration("--unit-timeout", opts.unitTimeout);
  runId();
  const disarm = installCleanupHandlers(runId(), undefined, false);
  const ctrl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctrl.signal.aborted) process.exit(sig === "SIGINT" ? 130 : 143);
    err(
      `\nfaultline: ${sig}: putting the correct images back, removing mutant images and the stack (again to quit at once)`,
    );
    ctrl.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (!opts.json)
    err(
      `mutate: seed ${seed}${opts.seed === undefined ? " (pass --seed to reproduce)" : ""}, budget ${opts.budget}`,
    );
  const r = await runMutation({
    root: projectRoot(),
    target: opts.target,
    runId: reportRunId(),
    seed,
    budgetMs,
    mutantTimeoutMs,
    unitTimeoutMs,
    services: opts.service,
    operators: opts.operator,
    maxMutants: max,
    ids: opts.mutant,
    scenarios: opts.scenario,
    maxScenarios,
    resume: opts.resume,
    signal: ctrl.signal,
    log: opts.json ? undefined : err,
    onProgress: opts.json ? undefined : progressLine,
    onStack: opts.json ? undefined : stackProgress,
  });
  disarm();
  const mu = r.journal.mutation!;
  if (opts.json) {
    out(
      JSON.stringify(
        {
          runId: r.journal.runId,
          status: r.journal.status,
          reportDir: r.reportDir,
          seed: mu.seed,
          total: mu.total,
          byService: mu.byService,
          byOperator: mu.byOperator,
          mutants: mu.mutants,
        },
        null,
        2,
      ),
    );
  } else {
    out("\nper service:");
    printTable(SCORE_HEAD, scoreRows([...mu.byService, mu.total]));
    out("\nper operator:");
    printTable(SCORE_HEAD, scoreRows(mu.byOperator));
    const survivors = mu.mutants.filter((m) => m.status === "survived");
    out(`\nsurvivors: ${survivors.length}`);
    for (const s of survivors) {
      out(
        `\n${s.service} ${s.id} ${s.operator} ${s.file}:${s.line}\n  ${s.hint}\n  ran against: ${s.scenarios.map((x) => x.scenario).join(", ") || "none"}`,
      );
      out(s.diff.trimEnd().replace(/^/gm, "  "));
    }
    const eq = mu.mutants.filter((m) => m.status === "equivalent").length;
    if (eq) out(`\nequivalent (mutate.yaml, not counted): ${eq}`);
    out(`\nmutate ${r.journal.status}. Report: ${path.relative(process.cwd(), r.htmlFile)}`);
  }
  process.exitCode = r.exitCode;
}

const badInput = (e: unknown) =>
  e instanceof ScenarioError ||
  e instanceof ManifestError ||
  e instanceof MutateConfigError ||
  e instanceof ResumeError ||
  (e instanceof GeneratorError && e.badInput);

export function registerMutateCommand(program: Command): void {
  program
    .command("mutate")
    .description(
      "a resilience mutation score: mutants of the services' Go code (timeouts, retries, compensations, dedupe, breakers...), unit tests first, then the chaos catalog on one stack",
    )
    .addOption(targetOption())
    .option("--service <names>", "only these services (comma-separated or repeated)", list)
    .option("--operator <names>", "only these operators (see --list-operators)", list)
    .option("--max-mutants <n>", "at most n mutants, sampled with the seed across services and operators")
    .option(
      "--budget <duration>",
      "stop starting mutants after this long (30m, 1h, 90s); --resume continues",
      "30m",
    )
    .option("--mutant-timeout <duration>", "one mutant's limit; past it, it is reported as timeout", "15m")
    .option("--unit-timeout <duration>", "go test -short past this is a kill by unit tests (a hang)", "2m")
    .option("--seed <n>", "seed of the sample and of every scenario's random choices; printed when not given")
    .option("--resume", "continue the target's last run where it stopped")
    .option("--scenario <names>", "only these chaos scenarios (comma-separated or repeated)", list)
    .option(
      "--max-scenarios <n>",
      "at most n scenarios judge one mutant, those fitting its operator first",
      "3",
    )
    .option("--mutant <ids>", "only these mutants (ids from an earlier report)", list)
    .option("--list-operators", "print the operators with their documentation and exit")
    .option("--json", "print {runId, reportDir, total, byService, byOperator, mutants}")
    .action(async (opts: Opts) => {
      try {
        await action(opts);
      } catch (e) {
        if (!badInput(e)) throw e;
        err(`faultline: ${(e as Error).message}`);
        process.exitCode = 2;
      }
    });
}
