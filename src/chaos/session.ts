/**
 * A chaos session: the chosen scenarios on one stack (started for the run, or given), each run
 * `repeat` times, the stack restored between them; verify-detection adds the sabotaged runs.
 * Returns the chaos part of the journal; the caller writes the journal and the report.
 */
import type { Manifest } from "../env/manifest.ts";
import type { DetectionCell, DetectionMatrix, ScenarioResult } from "../report/journal.ts";
import { checkMetrics, checkScenario, loadCatalog, nearest, ScenarioError } from "./catalog.ts";
import type { Scenario } from "./model.ts";
import { StackProbeContext } from "./probe-context.ts";
import { restoreStack, runScenario, type RunEvent } from "./runner.ts";
import type { ChaosTarget } from "./target.ts";

export interface Selection {
  names?: string[];
  all?: boolean;
  tag?: string;
}

/** Loads the catalog and picks scenarios; every name and reference is checked against the target. */
export async function selectScenarios(root: string, m: Manifest, sel: Selection): Promise<Scenario[]> {
  const catalog = await loadCatalog(root, m);
  const known = catalog.map((s) => s.name);
  let chosen: Scenario[];
  if (sel.all) chosen = catalog;
  else if (sel.tag) {
    chosen = catalog.filter((s) => s.tags.includes(sel.tag!));
    if (chosen.length === 0) {
      const tags = [...new Set(catalog.flatMap((s) => s.tags))].sort();
      throw new ScenarioError(`No chaos scenario is tagged "${sel.tag}"; tags: ${tags.join(", ")}`);
    }
  } else if (sel.names?.length) {
    chosen = sel.names.map((n) => {
      const s = catalog.find((x) => x.name === n);
      if (!s) {
        const near = nearest(n, known);
        throw new ScenarioError(
          `No chaos scenario "${n}"${near ? ` (did you mean "${near}"?)` : ""}. Known: ${known.join(", ")}`,
        );
      }
      return s;
    });
  } else
    throw new ScenarioError(`Name one or more scenarios, --all or --tag <tag>. Known: ${known.join(", ")}`);
  const problems = chosen.flatMap((s) => checkScenario(s, m));
  if (problems.length)
    throw new ScenarioError(`Scenario problems (nothing was started):\n  ${problems.join("\n  ")}`);
  return chosen;
}

/** Problems only a running stack can tell: metrics that no service exports. */
export async function checkAgainstStack(scenarios: Scenario[], target: ChaosTarget): Promise<void> {
  const ctx = new StackProbeContext(target, 0);
  try {
    const problems = await checkMetrics(scenarios, (svc) => ctx.metricNames(svc));
    if (problems.length)
      throw new ScenarioError(`Scenario problems (no fault was injected):\n  ${problems.join("\n  ")}`);
  } finally {
    await ctx.close();
  }
}

export interface SessionOptions {
  seed: number;
  repeat?: number;
  sabotage?: string[];
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

/** Runs each scenario `repeat` times; a scenario whose outcomes differ is marked flaky. */
export async function runScenarios(
  scenarios: Scenario[],
  target: ChaosTarget,
  o: SessionOptions,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const s of scenarios) {
    const mine: ScenarioResult[] = [];
    for (let attempt = 1; attempt <= (o.repeat ?? 1); attempt++) {
      if (o.signal?.aborted) break;
      // A fault left behind (by a run killed with SIGKILL, or by hand) is removed first, and said.
      const restored = await restoreStack(target);
      if (restored)
        o.onEvent?.({
          type: "step",
          name: s.name,
          text: `stack restored before the scenario: ${restored}`,
          ok: undefined,
        });
      const r = await runScenario(s, target, {
        seed: o.seed,
        sabotage: o.sabotage,
        attempt,
        signal: o.signal,
        onEvent: o.onEvent,
      });
      mine.push(r);
      if (r.status === "interrupted") break;
    }
    const outcomes = new Set(mine.filter((r) => r.status !== "interrupted").map((r) => r.status));
    if (mine.length > 1) for (const r of mine) r.flaky = outcomes.size > 1;
    results.push(...mine);
    if (mine.some((r) => r.status === "interrupted")) break;
  }
  return results;
}

/** Sets a target's sabotage switch on the services it acts in (undefined: every switch off). */
export async function setSabotage(
  target: ChaosTarget,
  sw: string | undefined,
  previous?: string,
): Promise<void> {
  const sab = target.manifest.sabotage;
  if (!sab)
    throw new ScenarioError(
      `Target "${target.manifest.name}" declares no sabotage switches (manifest field "sabotage")`,
    );
  const services = new Set([
    ...(sw ? (sab.switches[sw] ?? []) : []),
    ...(previous ? (sab.switches[previous] ?? []) : []),
  ]);
  await Promise.all(
    [...services].map((svc) =>
      target.replaceService(svc, { [sab.env]: sw && sab.switches[sw]!.includes(svc) ? sw : undefined }),
    ),
  );
}

/** The environment that turns switches on at stack start (`--sabotage`). */
export function sabotageEnv(m: Manifest, switches: string[]): Record<string, Record<string, string>> {
  const sab = m.sabotage;
  if (switches.length === 0) return {};
  if (!sab)
    throw new ScenarioError(
      `Target "${m.name}" declares no sabotage switches (manifest field "sabotage" in ${m.file})`,
    );
  const env: Record<string, string[]> = {};
  for (const sw of switches) {
    const services = sab.switches[sw];
    if (!services) {
      const known = Object.keys(sab.switches);
      const near = nearest(sw, known);
      throw new ScenarioError(
        `--sabotage: unknown switch "${sw}"${near ? ` (did you mean "${near}"?)` : ""}; switches of ${m.name}: ${known.join(", ")}`,
      );
    }
    for (const s of services) (env[s] ??= []).push(sw);
  }
  return Object.fromEntries(Object.entries(env).map(([s, list]) => [s, { [sab.env]: list.join(",") }]));
}

/**
 * Proof of detection: every scenario on the correct target (must hold), then, switch by switch
 * on the same stack, every scenario that claims to catch it (must deviate, for the check it names).
 */
export async function verifyDetection(
  scenarios: Scenario[],
  target: ChaosTarget,
  o: SessionOptions & { onSwitch?: (sw: string) => void },
): Promise<{ results: ScenarioResult[]; matrix: DetectionMatrix }> {
  const m = target.manifest;
  const switches = Object.keys(m.sabotage?.switches ?? {});
  const cells: DetectionCell[] = [];
  const results = await runScenarios(scenarios, target, o);
  for (const r of results)
    cells.push({
      scenario: r.name,
      switch: "none",
      expected: "hold",
      status: r.status,
      deviated: r.deviated,
      reason: r.failures[0]?.check,
      ok: r.status === "completed",
    });
  const caught = switches.filter((sw) => scenarios.some((s) => sw in s.catches));
  const matrix = (): DetectionMatrix => ({
    scenarios: scenarios.map((s) => s.name),
    switches: ["none", ...caught],
    cells,
    uncovered: switches.filter((sw) => !caught.includes(sw)),
  });
  let current: string | undefined;
  try {
    for (const sw of caught) {
      if (o.signal?.aborted) break;
      await setSabotage(target, sw, current);
      o.onSwitch?.(
        `${sw}: ${(target.manifest.sabotage?.switches[sw] ?? []).map((svc) => `${svc} restarted with ${target.environmentOf(svc)[target.manifest.sabotage!.env] ?? "(none)"}`).join(", ")}`,
      );
      current = sw;
      for (const s of scenarios.filter((x) => sw in x.catches)) {
        if (o.signal?.aborted) break;
        await restoreStack(target);
        const r = await runScenario(s, target, {
          seed: o.seed,
          sabotage: [sw],
          signal: o.signal,
          onEvent: o.onEvent,
        });
        results.push(r);
        const want = s.catches[sw]!;
        const forTheReason = r.failures.some((f) => f.check === want);
        cells.push({
          scenario: s.name,
          switch: sw,
          expected: "deviate",
          status: r.status,
          deviated: r.deviated,
          reason: r.deviated
            ? forTheReason
              ? want
              : `deviated on ${r.failures.map((f) => f.check).join(", ")}, not on "${want}"`
            : undefined,
          ok: r.status === "failed" && forTheReason,
        });
      }
    }
  } catch (err) {
    // The harness broke mid-matrix (a service that did not come back, Docker gone): what ran
    // so far is kept for the journal, so the report shows it beside the reason.
    throw new DetectionBroken(err as Error, results, matrix());
  } finally {
    if (current) await setSabotage(target, undefined, current).catch(() => undefined);
  }
  return { results, matrix: matrix() };
}

/** A harness error during verify-detection, with the results and cells of what ran before it. */
export class DetectionBroken extends Error {
  constructor(
    override readonly cause: Error,
    readonly results: ScenarioResult[],
    readonly matrix: DetectionMatrix,
  ) {
    super(cause.message);
    this.name = "DetectionBroken";
  }
}
