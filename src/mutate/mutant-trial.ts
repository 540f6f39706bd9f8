/**
 * One mutant, cheap checks first: it must build; the service's own `go test -short` may kill it
 * (then it never meets the catalog); otherwise its image is swapped in place of the service's on
 * the run's one stack and the scenarios that touch the service run until one deviates. The
 * correct image is put back and the mutant's image removed whatever happens.
 */
import path from "node:path";
import type { Scenario } from "../chaos/model.ts";
import { restoreStack, runScenario, type RunEvent } from "../chaos/runner.ts";
import type { StartedStack } from "../env/stack.ts";
import type { MutantResult, MutantScenarioRun } from "../report/journal.ts";
import type { Mutant } from "./generator.ts";
import { imageContext, packMutantImage, removeMutantImage } from "./mutant-image.ts";
import { judge, scenarioRun } from "./scenario-choice.ts";
import { firstFailure, goBuild, goTest, testPatterns, withMutant } from "./workspace.ts";

export interface ServiceBuildInfo {
  service: string;
  image: string;
  pkg: string;
  tags: string[];
  expose: number[];
}

export interface TrialContext {
  copy: string;
  pristine: string;
  /** Where image contexts go. */
  workDir: string;
  build: ServiceBuildInfo;
  seed: number;
  /** The stack, started on first need. */
  stack: () => Promise<StartedStack>;
  /** The scenarios for this mutant that held on the correct target. */
  scenarios: (m: Mutant) => Promise<Scenario[]>;
  /** Aborted by the operator (Ctrl-C) or by the run's budget. */
  signal: AbortSignal;
  timeoutMs: number;
  unitTimeoutMs: number;
  onEvent?: (e: RunEvent) => void;
  log: (line: string) => void;
}

export class TrialStopped extends Error {
  constructor() {
    super("stopped");
    this.name = "TrialStopped";
  }
}

export function resultBase(m: Mutant): Omit<MutantResult, "status" | "detail" | "scenarios" | "durationMs"> {
  return {
    id: m.id,
    service: m.service,
    operator: m.operator,
    package: m.package,
    file: m.file,
    line: m.line,
    ...(m.function ? { function: m.function } : {}),
    original: m.original,
    mutated: m.mutated,
    diff: m.diff,
    hint: m.hint,
  };
}

const tail = (s: string, n = 6) => s.trim().split("\n").slice(-n).join(" | ");

export async function trialMutant(m: Mutant, c: TrialContext): Promise<MutantResult> {
  const t0 = Date.now();
  const deadline = AbortSignal.timeout(c.timeoutMs);
  const signal = AbortSignal.any([c.signal, deadline]);
  const done = (status: MutantResult["status"], detail: string, scenarios: MutantScenarioRun[] = []) => ({
    ...resultBase(m),
    status,
    detail,
    scenarios,
    durationMs: Date.now() - t0,
  });
  const stopped = () => {
    if (c.signal.aborted) throw new TrialStopped();
    return deadline.aborted;
  };
  const ctx = await imageContext(c.workDir, m.id);
  const binary = path.basename(c.build.pkg);
  const cheap = await withMutant(c.copy, c.pristine, m, async () => {
    const b = await goBuild(c.copy, c.build.pkg, c.build.tags, path.join(ctx, binary), signal);
    if (stopped()) return done("timeout", "past its time budget while it was built");
    if (!b.ok) return done("not-built", `go build ${c.build.pkg}: ${tail(b.output, 3)}`);
    const patterns = testPatterns(c.copy, c.build.pkg, m);
    const t = await goTest(c.copy, patterns, c.build.tags, c.unitTimeoutMs, signal);
    if (stopped()) return done("timeout", "past its time budget in go test");
    if (!t.ok)
      return done(
        "killed-unit",
        t.timedOut
          ? `go test -short ${patterns.join(" ")} hung past ${c.unitTimeoutMs / 1000} s`
          : `go test -short ${patterns.join(" ")}: ${firstFailure(t.output)}`,
      );
    return undefined;
  });
  if (cheap) return cheap;
  return catalogTrial(m, c, ctx, binary, signal, deadline, done);
}

async function catalogTrial(
  m: Mutant,
  c: TrialContext,
  ctx: string,
  binary: string,
  signal: AbortSignal,
  deadline: AbortSignal,
  done: (s: MutantResult["status"], d: string, r?: MutantScenarioRun[]) => MutantResult,
): Promise<MutantResult> {
  const scenarios = await c.scenarios(m);
  if (scenarios.length === 0)
    return done(
      "survived",
      `survived go test -short; no scenario that held on the correct target touches ${m.service}`,
    );
  const ref = await packMutantImage(
    { image: c.build.image, id: m.id, binary, expose: c.build.expose },
    ctx,
  ).catch((e: Error) => e);
  if (ref instanceof Error)
    return done("harness-error", `building the mutant's image failed: ${ref.message}`);
  const stack = await c.stack();
  const runs: MutantScenarioRun[] = [];
  try {
    try {
      await stack.replaceService(m.service, {}, { image: ref });
    } catch (e) {
      if (c.signal.aborted) throw new TrialStopped();
      return done(
        "killed-startup",
        `${m.service} never became ready with the mutant: ${tail((e as Error).message, 4)}`,
      );
    }
    c.log(`  ${m.service} runs ${ref}`);
    for (const s of scenarios) {
      if (signal.aborted) break;
      await restoreStack(stack);
      const r = await runScenario(s, stack, { seed: c.seed, signal, onEvent: c.onEvent });
      runs.push(scenarioRun(r));
      const v = judge(r);
      if (v === "killed")
        return done(
          "killed",
          `${s.name}: ${r.failures
            .map((f) => `${f.check}: ${f.evidence}`)
            .join("; ")
            .slice(0, 400)}`,
          runs,
        );
    }
    if (c.signal.aborted) throw new TrialStopped();
    if (deadline.aborted)
      return done(
        "timeout",
        `past its time budget of ${c.timeoutMs / 1000} s; no scenario deviated before`,
        runs,
      );
    const broke = runs.filter((r) => judge(r) === "harness-error");
    if (broke.length)
      return done(
        "harness-error",
        `no scenario deviated, but ${broke.map((r) => `${r.scenario} aborted (${r.reason ?? r.status})`).join("; ")}`,
        runs,
      );
    return done("survived", `held in ${runs.map((r) => r.scenario).join(", ")}`, runs);
  } finally {
    // The correct image back in place, then the mutant's image gone: even on Ctrl-C.
    await stack
      .replaceService(m.service, {})
      .catch((e: Error) => c.log(`  could not put ${m.service} back: ${e.message}`));
    await removeMutantImage(ref).catch(() => undefined);
  }
}
