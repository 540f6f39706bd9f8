/**
 * `faultline chaos run` and `verify-detection` as one job: start the stack once (or use the one
 * given), check the scenarios against it, run them, write the journal and the report. A failed
 * or interrupted run still writes both; the stack is stopped unless kept.
 */
import path from "node:path";
import { loadManifest } from "../env/manifest.ts";
import { AttachedStack } from "../env/attached-stack.ts";
import {
  Environment,
  type DriverName,
  type KubernetesTarget,
  type StackEvent,
  type StartedStack,
} from "../env/stack.ts";
import { unsupportedScenarios } from "./driver-skips.ts";
import { readStackState, writeStackState } from "../env/stack-state.ts";
import { loadCatalog, ScenarioError } from "./catalog.ts";
import { coverageMatrix } from "./coverage.ts";
import type { ChaosTarget } from "./target.ts";
import { writeJournal, type DetectionMatrix, type Journal, type ScenarioResult } from "../report/journal.ts";
import { writeRunPage } from "../report/render.ts";
import { reportsDir } from "../paths.ts";
import type { RunEvent } from "./runner.ts";
import {
  checkAgainstStack,
  DetectionBroken,
  runScenarios,
  sabotageEnv,
  selectScenarios,
  verifyDetection,
  type Selection,
} from "./session.ts";

export interface ChaosJobOptions extends Selection {
  root: string;
  target: string;
  runId: string;
  seed: number;
  repeat?: number;
  sabotage?: string[];
  detection?: boolean;
  keepUp?: boolean;
  /** Run on the stack `faultline up` started for this target (neither started nor stopped here). */
  attach?: boolean;
  /** The stack's driver (default: the manifest's, else docker) and where a Kubernetes one goes. */
  driver?: DriverName;
  kubernetes?: KubernetesTarget;
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
  onStack?: (e: StackEvent) => void;
  log?: (line: string) => void;
}

export interface ChaosJobResult {
  journal: Journal;
  reportDir: string;
  htmlFile: string;
  /** 0 every scenario held; 1 one deviated (or a detection cell is wrong); 3 the harness broke; 130 interrupted. */
  exitCode: number;
}

export async function runChaosJob(o: ChaosJobOptions): Promise<ChaosJobResult> {
  const log = o.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const manifest = await loadManifest(o.target, o.root);
  // Bad input fails here, before anything starts (ScenarioError, ManifestError: exit 2).
  let scenarios = await selectScenarios(
    o.root,
    manifest,
    o.detection && !o.names?.length && !o.tag ? { all: true } : o,
  );
  const env = sabotageEnv(manifest, o.sabotage ?? []);
  // The whole catalog's fault coverage (not only the scenarios run): the report shows the matrix.
  const coverage = coverageMatrix(manifest, await loadCatalog(o.root, manifest));
  const dir = path.join(reportsDir(), o.runId);
  let stack: StartedStack | undefined;
  let target: ChaosTarget | undefined;
  let timings = undefined as StartedStack["timings"] | undefined;
  let results: ScenarioResult[] = [];
  let detection: DetectionMatrix | undefined;
  let reason: string | undefined;
  let harnessBroke = false;
  try {
    if (o.attach) {
      if ((o.sabotage ?? []).length || o.detection)
        throw new ScenarioError(
          "--attach cannot restart services with sabotage switches: run verify-detection and --sabotage without --attach",
        );
      const state = await readStackState(manifest.name);
      if (!state)
        throw new ScenarioError(
          `--attach: no stack of target "${manifest.name}" is up; start one with: faultline up --target ${manifest.name}`,
        );
      target = await new AttachedStack(manifest, state).load();
      timings = state.timings;
      log(`attached to the stack of ${manifest.name} (run ${state.runId})`);
    } else {
      stack = await new Environment(manifest, {
        env,
        detached: o.keepUp,
        onEvent: o.onStack,
        driver: o.driver,
        kubernetes: o.kubernetes,
      }).start();
      target = stack;
      const { run, skipped } = unsupportedScenarios(
        scenarios,
        stack.unsupportedFaults,
        stack.unsupportedLoad,
      );
      for (const k of skipped) log(`skipped ${k.name} on the ${stack.driver} driver: ${k.why}`);
      scenarios = run;
      timings = stack.timings;
      log(`stack ${manifest.name} ready in ${(stack.timings.totalMs / 1000).toFixed(1)} s`);
    }
    await checkAgainstStack(scenarios, target);
    const session = {
      seed: o.seed,
      repeat: o.repeat,
      sabotage: o.sabotage,
      signal: o.signal,
      onEvent: o.onEvent,
    };
    if (o.detection) {
      const d = await verifyDetection(scenarios, target, {
        ...session,
        onSwitch: (sw) => log(`· sabotage switch ${sw} on`),
      });
      results = d.results;
      detection = d.matrix;
    } else {
      results = await runScenarios(scenarios, target, session);
    }
  } catch (err) {
    if (err instanceof DetectionBroken) {
      results = err.results;
      detection = err.matrix;
    }
    if ((err as Error).name === "ScenarioError" && !results.length) {
      await stack?.stop().catch(() => undefined);
      throw err;
    }
    harnessBroke = true;
    reason = `harness error: ${(err as Error).message}`;
  } finally {
    if (stack && o.keepUp) {
      const state = await writeStackState(stack).catch(() => undefined);
      if (state)
        log(`stack kept up (run ${state.runId}): faultline ps / faultline down --target ${manifest.name}`);
      else await stack.stop().catch(() => undefined);
    } else await stack?.stop().catch(() => undefined);
  }
  const interrupted = o.signal?.aborted || results.some((r) => r.status === "interrupted");
  const detectionWrong = detection?.cells.some((c) => !c.ok) ?? false;
  // verify-detection is judged on its matrix (sabotaged runs are meant to deviate); a run on
  // the scenarios themselves.
  const status: Journal["status"] = interrupted
    ? "interrupted"
    : harnessBroke
      ? "aborted"
      : detection
        ? detectionWrong
          ? "failed"
          : "completed"
        : results.some((r) => r.status === "aborted")
          ? "aborted"
          : results.some((r) => r.status === "failed")
            ? "failed"
            : "completed";
  const journal: Journal = {
    version: 2,
    runId: o.runId,
    target: manifest.name,
    command: o.detection
      ? "faultline chaos verify-detection"
      : `faultline chaos run ${o.all ? "--all" : o.tag ? `--tag ${o.tag}` : (o.names ?? []).join(" ")}`,
    startedAt,
    endedAt: new Date().toISOString(),
    status,
    // An attached stack is a Docker one (faultline up).
    driver: stack?.driver ?? (target ? "docker" : undefined),
    reason: reason ?? (interrupted ? "interrupted by the operator" : undefined),
    phases: [],
    stack: timings,
    chaos: { scenarios: results, detection, coverage },
  };
  await writeJournal(dir, journal);
  const htmlFile = await writeRunPage(dir, journal);
  const exitCode = interrupted ? 130 : status === "aborted" ? 3 : status === "failed" ? 1 : 0;
  return { journal, reportDir: dir, htmlFile, exitCode };
}
