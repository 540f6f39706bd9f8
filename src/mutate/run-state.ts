/**
 * What a mutation run has done so far, on disk after every mutant, so that `--resume` continues
 * a run that was stopped (Ctrl-C, the budget, a kill -9): the mutants it chose, and each result.
 *
 *   <cache>/mutate/<target>.last          the run id of the target's latest run
 *   <cache>/mutate/runs/<run id>/state.json
 *   <cache>/mutate/runs/<run id>/src/      the copy of the target's source (removed at the end)
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { cacheDir } from "../paths.ts";
import { MutantResult, MutantScenarioRun } from "../report/journal.ts";
import { Mutant } from "./generator.ts";

export const RunState = z.object({
  version: z.literal(1),
  runId: z.string(),
  target: z.string(),
  startedAt: z.string(),
  options: z.object({
    seed: z.number().int(),
    services: z.array(z.string()),
    operators: z.array(z.string()).default([]),
    ids: z.array(z.string()).default([]),
    scenarios: z.array(z.string()).default([]),
    maxScenarios: z.number().int().default(3),
    maxMutants: z.number().int().optional(),
  }),
  generated: z.record(z.string(), z.number().int()),
  /** The mutants to run, in order (with their content: a resumed run does not regenerate). */
  mutants: z.array(Mutant),
  equivalent: z.array(z.object({ mutant: Mutant, reason: z.string() })),
  results: z.array(MutantResult),
  baseline: z.array(MutantScenarioRun.extend({ service: z.string() })),
});
export type RunState = z.infer<typeof RunState>;

export const mutateDir = () => path.join(cacheDir(), "mutate");
export const runDir = (runId: string) => path.join(mutateDir(), "runs", runId);

export async function saveState(s: RunState): Promise<void> {
  const dir = runDir(s.runId);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `state.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(s));
  await rename(tmp, path.join(dir, "state.json"));
  await writeFile(path.join(mutateDir(), `${s.target}.last`), `${s.runId}\n`);
}

/** The target's latest run, to resume; a clear error when there is none. */
export async function loadLastState(target: string): Promise<RunState> {
  const last = path.join(mutateDir(), `${target}.last`);
  if (!existsSync(last))
    throw new ResumeError(
      `--resume: no earlier \`faultline mutate\` run of target "${target}" to continue; run it without --resume first`,
    );
  const runId = (await readFile(last, "utf8")).trim();
  const file = path.join(runDir(runId), "state.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new ResumeError(
      `--resume: ${file}: cannot read the run's state (${(e as Error).message}); run without --resume`,
    );
  }
  const r = RunState.safeParse(raw);
  if (!r.success)
    throw new ResumeError(
      `--resume: ${file} is not a state this faultline writes (${r.error.issues[0]?.message}); run without --resume`,
    );
  return r.data;
}

export class ResumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResumeError";
  }
}
