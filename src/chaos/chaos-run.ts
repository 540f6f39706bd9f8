/**
 * `faultline chaos run` and `verify-detection` as one job: start the stack once (or use the one
 * given), check the scenarios against it, run them, write the journal and the report. A failed
 * or interrupted run still writes both; the stack is stopped unless kept.
 */
import path from "node:path";
import { loadManifest } from "../env/manifest.ts";
import { Environment, type StackEvent, type StartedStack } from "../env/stack.ts";
import { writeJournal, type DetectionMatrix, type Journal, type ScenarioResult } from "../report/journal.ts";
import { writeRunPage } from "../report/html-report.ts";
import { reportsDir } from "../paths.ts";
import type { RunEvent } from "./runner.ts";
import {
  checkAgainstStack,
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
  /** A stack already up (tests; `--attach`). It is neither started nor stopped here. */
  stack?: StartedStack;
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
  const scenarios = await selectScenarios(o.root, manifest, o.detection ? { all: true } : o);
  const env = sabotageEnv(manifest, o.sabotage ?? []);
  const dir = path.join(reportsDir(), o.runId);
  let stack = o.stack;
  let results: ScenarioResult[] = [];
  let detection: DetectionMatrix | undefined;
  let reason: string | undefined;
  let harnessBroke = false;
  try {
    if (!stack) {
      stack = await new Environment(manifest, { env, onEvent: o.onStack }).start();
      log(`stack ${manifest.name} ready in ${(stack.timings.totalMs / 1000).toFixed(1)} s`);
    }
    await checkAgainstStack(scenarios, stack);
    const session = {
      seed: o.seed,
      repeat: o.repeat,
      sabotage: o.sabotage,
      signal: o.signal,
      onEvent: o.onEvent,
    };
    if (o.detection) {
      const d = await verifyDetection(scenarios, stack, {
        ...session,
        onSwitch: (sw) => log(`· sabotage switch ${sw} on`),
      });
      results = d.results;
      detection = d.matrix;
    } else {
      results = await runScenarios(scenarios, stack, session);
    }
  } catch (err) {
    if ((err as Error).name === "ScenarioError" && !results.length) {
      if (!o.stack && !o.keepUp) await stack?.stop().catch(() => undefined);
      throw err;
    }
    harnessBroke = true;
    reason = `harness error: ${(err as Error).message}`;
  } finally {
    if (!o.stack && !o.keepUp) await stack?.stop().catch(() => undefined);
  }
  const interrupted = o.signal?.aborted || results.some((r) => r.status === "interrupted");
  const detectionWrong = detection?.cells.some((c) => !c.ok) ?? false;
  const status: Journal["status"] = interrupted
    ? "interrupted"
    : harnessBroke || results.some((r) => r.status === "aborted")
      ? "aborted"
      : results.some((r) => r.status === "failed") || detectionWrong
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
    reason: reason ?? (interrupted ? "interrupted by the operator" : undefined),
    phases: [],
    stack: stack?.timings,
    chaos: { scenarios: results, detection },
  };
  await writeJournal(dir, journal);
  const htmlFile = await writeRunPage(dir, journal);
  const exitCode = interrupted ? 130 : status === "aborted" ? 3 : status === "failed" ? 1 : 0;
  return { journal, reportDir: dir, htmlFile, exitCode };
}
