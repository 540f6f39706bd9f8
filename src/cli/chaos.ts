import { driverChoice, withDriverOptions, type DriverOpts } from "./driver-options.ts";
import path from "node:path";
import type { Command } from "commander";
import { loadCatalog, ScenarioError } from "../chaos/catalog.ts";
import { runChaosJob } from "../chaos/chaos-run.ts";
import { coverageMatrix, formatCoverage } from "../chaos/coverage.ts";
import { describeScenario } from "../chaos/describe.ts";
import type { RunEvent } from "../chaos/runner.ts";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { loadManifest, ManifestError } from "../env/manifest.ts";
import { runId, reportRunId } from "../env/run-labels.ts";
import { apartFromDetachedStacks } from "../env/stack-state.ts";
import { projectRoot } from "../paths.ts";
import { printTable } from "./output.ts";
import { stackProgress } from "./stack.ts";
import { targetOption } from "./target-option.ts";

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function progress(e: RunEvent): void {
  if (e.type === "scenario")
    err(
      `\n▶ ${e.name}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}${e.sabotage.length ? ` [sabotage: ${e.sabotage.join(",")}]` : ""}: ${e.title}`,
    );
  else if (e.type === "step") err(`  ${e.ok === true ? "✓" : e.ok === false ? "✗" : "·"} ${e.text}`);
  else {
    const r = e.result;
    err(
      `  ⇒ ${r.status}${r.deviated ? " (deviated)" : ""} in ${(r.durationMs / 1000).toFixed(1)} s${r.reason ? `: ${r.reason}` : ""}`,
    );
  }
}

interface RunOpts extends DriverOpts {
  all?: boolean;
  tag?: string;
  target: string;
  seed?: string;
  repeat: string;
  sabotage?: string[];
  keepUp?: boolean;
  attach?: boolean;
  json?: boolean;
}

async function job(names: string[], opts: RunOpts, detection: boolean): Promise<void> {
  if (opts.attach) await apartFromDetachedStacks();
  const id = reportRunId();
  const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 2 ** 31);
  const repeat = Number(opts.repeat);
  if (!Number.isInteger(seed) || seed < 0)
    throw new ScenarioError(`--seed: "${opts.seed}" is not a non-negative integer`);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new ScenarioError(`--repeat: "${opts.repeat}" is not a positive integer`);
  // Ctrl-C: roll the faults back and write the journal first; containers go when the job ends.
  const disarm = installCleanupHandlers(runId(), undefined, false);
  const ctrl = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ctrl.signal.aborted) process.exit(sig === "SIGINT" ? 130 : 143);
    err(`\nfaultline: ${sig}: rolling back faults, writing the journal (again to quit at once)`);
    ctrl.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (!opts.json) err(`chaos: seed ${seed}${opts.seed === undefined ? " (pass --seed to reproduce)" : ""}`);
  const r = await runChaosJob({
    root: projectRoot(),
    target: opts.target,
    runId: id,
    seed,
    repeat,
    names,
    all: opts.all,
    tag: opts.tag,
    sabotage: opts.sabotage ?? [],
    detection,
    keepUp: opts.keepUp,
    attach: opts.attach,
    ...driverChoice(opts),
    signal: ctrl.signal,
    onEvent: opts.json ? undefined : progress,
    onStack: opts.json ? undefined : stackProgress,
    log: opts.json ? undefined : err,
  });
  if (opts.keepUp) disarm(); // the stack outlives the command: faultline down removes it
  const scen = r.journal.chaos!.scenarios;
  if (opts.json) {
    out(
      JSON.stringify(
        {
          runId: id,
          seed,
          status: r.journal.status,
          reportDir: r.reportDir,
          scenarios: scen.map((s) => ({
            name: s.name,
            sabotage: s.sabotage,
            status: s.status,
            deviated: s.deviated,
            flaky: s.flaky,
            durationMs: s.durationMs,
            failures: s.failures,
            reason: s.reason,
          })),
          ...(r.journal.chaos!.detection ? { detection: r.journal.chaos!.detection } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    out("");
    printTable(
      ["scenario", "sabotage", "status", "time", "first failure"],
      scen.map((s) => [
        s.name,
        s.sabotage.join(",") || "-",
        `${s.status}${s.flaky ? " (flaky)" : ""}`,
        `${(s.durationMs / 1000).toFixed(1)} s`,
        s.failures[0] ? `${s.failures[0].check}: ${s.failures[0].evidence}`.slice(0, 120) : (s.reason ?? ""),
      ]),
    );
    const d = r.journal.chaos!.detection;
    if (d) {
      out(`\ndetection matrix (✓ = as expected):`);
      printTable(
        ["scenario", ...d.switches],
        d.scenarios.map((s) => [
          s,
          ...d.switches.map((sw) => {
            const c = d.cells.find((x) => x.scenario === s && x.switch === sw);
            return c
              ? `${c.ok ? "✓" : "✗"} ${c.expected === "hold" ? c.status : c.deviated ? "caught" : "missed"}`
              : "";
          }),
        ]),
      );
      if (d.uncovered.length) out(`not chaos's to catch: ${d.uncovered.join(", ")}`);
    }
    out(`\nchaos ${r.journal.status}. Report: ${path.relative(process.cwd(), r.htmlFile)}`);
  }
  process.exitCode = r.exitCode;
}

const badInput = (e: unknown) => e instanceof ScenarioError || e instanceof ManifestError;

export function registerChaosCommands(program: Command): void {
  const chaos = program
    .command("chaos")
    .description("chaos scenarios: break the system on purpose and judge what happened");

  chaos
    .command("list")
    .description("every scenario: name, title, tags and the bugs it catches")
    .addOption(targetOption())
    .option("--tag <tag>", "only scenarios with this tag")
    .option("--json", "print an array of {name, title, tags, catches, file}")
    .action(async (opts: { tag?: string; json?: boolean; target: string }) => {
      const root = projectRoot();
      const all = (await loadCatalog(root, await loadManifest(opts.target, root))).filter(
        (s) => !opts.tag || s.tags.includes(opts.tag),
      );
      if (opts.json) {
        out(
          JSON.stringify(
            all.map((s) => ({
              name: s.name,
              title: s.title,
              tags: s.tags,
              catches: Object.keys(s.catches),
              file: s.file,
            })),
            null,
            2,
          ),
        );
        return;
      }
      printTable(
        ["name", "catches", "tags", "title"],
        all.map((s) => [s.name, Object.keys(s.catches).join(",") || "-", s.tags.join(","), s.title]),
      );
    });

  chaos
    .command("describe <name>")
    .description("a scenario in words: steady state, workload, method (timed), rollbacks, invariants")
    .addOption(targetOption())
    .action(async (name: string, opts: { target: string }) => {
      try {
        const root = projectRoot();
        out(await describeScenario(root, name, await loadManifest(opts.target, root)));
      } catch (e) {
        if (!badInput(e)) throw e;
        err(`faultline: ${(e as Error).message}`);
        process.exitCode = 2;
      }
    });

  chaos
    .command("coverage")
    .description(
      "the fault coverage matrix from the manifest: every edge × {cut, latency beyond the caller's deadline, hang, bandwidth} and every container × {kill, restart, pause}, with the scenarios and invariants of each cell",
    )
    .addOption(targetOption())
    .option("--without-defaults", "the scenario files alone, without the manifest-driven defaults")
    .option(
      "--json",
      "print the matrix as the journal records it ({edgeFaults, containerFaults, required, rows})",
    )
    .action(async (opts: { target: string; json?: boolean; withoutDefaults?: boolean }) => {
      try {
        const root = projectRoot();
        const m = await loadManifest(opts.target, root);
        const cm = coverageMatrix(m, await loadCatalog(root, opts.withoutDefaults ? undefined : m));
        out(opts.json ? JSON.stringify(cm, null, 2) : formatCoverage(cm));
      } catch (e) {
        if (!badInput(e)) throw e;
        err(`faultline: ${(e as Error).message}`);
        process.exitCode = 2;
      }
    });

  const common = (c: Command) =>
    withDriverOptions(c)
      .addOption(targetOption())
      .option("--seed <n>", "seed for every random choice (which edge, when); printed when not given")
      .option("--keep-up", "leave the stack running at the end (remove it with: faultline down)")
      .option("--attach", "run on the stack `faultline up` started instead of starting one")
      .option(
        "--json",
        "print {runId, reportDir, scenarios: [{name, status, deviated, durationMs, failures}]}",
      );

  common(
    chaos
      .command("run [names...]")
      .description(
        "run scenarios on one stack; exit 0 held, 1 deviated, 2 bad input, 3 harness failure, 130 interrupted",
      )
      .option("--all", "every scenario")
      .option("--tag <tag>", "every scenario with this tag")
      .option("--repeat <n>", "run each scenario n times; differing outcomes are marked flaky", "1")
      .option("--sabotage <switch...>", "start the target with these sabotage switches on"),
  ).action(async (names: string[], opts: RunOpts) => {
    try {
      await job(names, opts, false);
    } catch (e) {
      if (!badInput(e)) throw e;
      err(`faultline: ${(e as Error).message}`);
      process.exitCode = 2;
    }
  });

  common(
    chaos
      .command("verify-detection [names...]")
      .description(
        "every scenario (or those named) on the correct target (must hold) and with each switch it catches (must deviate, for its reason)",
      )
      .option("--tag <tag>", "only scenarios with this tag")
      .option("--repeat <n>", "runs of each scenario on the correct target", "1"),
  ).action(async (names: string[], opts: RunOpts) => {
    try {
      await job(names, opts, true);
    } catch (e) {
      if (!badInput(e)) throw e;
      err(`faultline: ${(e as Error).message}`);
      process.exitCode = 2;
    }
  });
}
