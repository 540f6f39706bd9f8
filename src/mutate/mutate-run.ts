/**
 * `faultline mutate` as one job: generate the mutants of the services' Go packages (in a copy of
 * the target's source), run them cheap checks first and then against the catalog on one stack,
 * within a budget, and write the journal and the report after every mutant. A stopped run leaves
 * its state for `--resume`; the copy, the stack and the mutant images go at the end.
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { loadCatalog, nearest, ScenarioError } from "../chaos/catalog.ts";
import type { Scenario } from "../chaos/model.ts";
import { restoreStack, runScenario, type RunEvent } from "../chaos/runner.ts";
import { loadManifest, type Manifest } from "../env/manifest.ts";
import { Environment, type StackEvent, type StartedStack } from "../env/stack.ts";
import { writeRunPage } from "../report/render.ts";
import { writeJournal, type Journal, type MutantResult } from "../report/journal.ts";
import { reportsDir } from "../paths.ts";
import { generateMutants, type Mutant } from "./generator.ts";
import { loadMutateConfig } from "./mutate-config.ts";
import { imageContext, packMutantImage, removeMutantImage, sweepMutantImages } from "./mutant-image.ts";
import { resultBase, TrialStopped, trialMutant, type ServiceBuildInfo } from "./mutant-trial.ts";
import { loadLastState, runDir, saveState, type RunState } from "./run-state.ts";
import { judge, scenarioRun, scenariosFor } from "./scenario-choice.ts";
import { score, scores } from "./score.ts";
import { selectMutants } from "./selection.ts";
import { copyTree, goBuild } from "./workspace.ts";

export interface MutateOptions {
  root: string;
  target: string;
  runId: string;
  seed: number;
  budgetMs: number;
  mutantTimeoutMs?: number;
  unitTimeoutMs?: number;
  services?: string[];
  operators?: string[];
  maxMutants?: number;
  ids?: string[];
  scenarios?: string[];
  /** At most this many scenarios judge one mutant (default 3). */
  maxScenarios?: number;
  resume?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
  onProgress?: (p: Progress) => void;
  onEvent?: (e: RunEvent) => void;
  onStack?: (e: StackEvent) => void;
}

export interface Progress {
  index: number;
  total: number;
  result: MutantResult;
  elapsedMs: number;
  /** Estimate of the time the rest takes (bounded by the budget left). */
  leftMs: number;
}

export interface MutateResult {
  journal: Journal;
  reportDir: string;
  htmlFile: string;
  exitCode: number;
}

/** The services to mutate: those asked for (each checked), or every one built from Go source. */
function pickServices(m: Manifest, asked: string[] | undefined): string[] {
  const goServices = Object.entries(m.services)
    .filter(([, s]) => s.build?.kind === "go")
    .map(([n]) => n);
  if (!asked?.length) return goServices;
  for (const s of asked) {
    if (!m.services[s]) {
      const near = nearest(s, Object.keys(m.services));
      throw new ScenarioError(
        `--service: no service "${s}" in target "${m.name}"${near ? ` (did you mean "${near}"?)` : ""}; services: ${Object.keys(m.services).join(", ")}`,
      );
    }
    if (m.services[s]!.build?.kind !== "go")
      throw new ScenarioError(
        `--service: "${s}" is not built from Go source (its manifest entry has no build.go): mutants are made of Go packages; Go services: ${goServices.join(", ")}`,
      );
  }
  return asked;
}

function buildInfo(m: Manifest, svc: string): ServiceBuildInfo & { context: string } {
  const s = m.services[svc]!;
  const b = s.build!;
  if (b.kind !== "go") throw new Error(`service ${svc} is not a Go build`);
  return {
    service: svc,
    image: s.image,
    pkg: b.pkg,
    tags: b.tags,
    expose: [s.ports.http, ...(s.ports.grpc ? [s.ports.grpc] : [])],
    context: b.context,
  };
}

async function chosenScenarios(root: string, names: string[] | undefined): Promise<Scenario[]> {
  const catalog = await loadCatalog(root);
  if (!names?.length) return catalog;
  const known = catalog.map((s) => s.name);
  return names.map((n) => {
    const s = catalog.find((x) => x.name === n);
    if (!s) throw new ScenarioError(`--scenario: no chaos scenario "${n}"; known: ${known.join(", ")}`);
    return s;
  });
}

async function newState(o: MutateOptions, m: Manifest, services: string[], copyOf: (svc: string) => string) {
  const config = await loadMutateConfig(m.file, o.root);
  const all: Mutant[] = [];
  const generated: Record<string, number> = {};
  for (const svc of services) {
    const b = buildInfo(m, svc);
    o.log?.(
      `mutate: generating mutants of ${svc} (${b.pkg} and the packages of ${path.relative(o.root, b.context) || "."} it imports) ...`,
    );
    const { mutants, summary } = await generateMutants(
      {
        dir: copyOf(svc),
        packages: [b.pkg],
        tags: b.tags,
        service: svc,
        operators: o.operators,
        exclude: [...config.exclude, ...config.skipIdents.map((i) => `ident:${i}`)],
      },
      o.signal,
    );
    generated[svc] = mutants.length;
    o.log?.(
      `mutate: ${svc}: ${summary.mutants} mutants in ${summary.files} files of ${summary.packages} packages (${Object.entries(
        summary.byOperator,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ", ",
        )}${summary.discarded ? `; ${summary.discarded} candidates did not type-check and were dropped` : ""})`,
    );
    all.push(...mutants);
  }
  const sel = selectMutants(all, config, {
    seed: o.seed,
    maxMutants: o.maxMutants,
    operators: o.operators,
    ids: o.ids,
  });
  if (o.ids?.length) {
    const missing = o.ids.filter((id) => !all.some((x) => x.id === id));
    if (missing.length)
      throw new ScenarioError(`--mutant: no mutant ${missing.join(", ")} among the ${all.length} generated`);
  }
  const state: RunState = {
    version: 1,
    runId: o.runId,
    target: m.name,
    startedAt: new Date().toISOString(),
    options: {
      seed: o.seed,
      services,
      operators: o.operators ?? [],
      ids: o.ids ?? [],
      scenarios: o.scenarios ?? [],
      maxScenarios: o.maxScenarios ?? 3,
      ...(o.maxMutants !== undefined ? { maxMutants: o.maxMutants } : {}),
    },
    generated,
    mutants: sel.run,
    equivalent: sel.equivalent,
    results: [],
    baseline: [],
  };
  return state;
}

export async function runMutation(o: MutateOptions): Promise<MutateResult> {
  const log = o.log ?? (() => {});
  const startedAt = Date.now();
  const manifest = await loadManifest(o.target, o.root);
  const resumed = o.resume ? await loadLastState(manifest.name) : undefined;
  const services = resumed ? resumed.options.services : pickServices(manifest, o.services);
  const catalog = await chosenScenarios(o.root, resumed ? resumed.options.scenarios : o.scenarios);
  const swept = await sweepMutantImages();
  if (swept.length) log(`mutate: removed mutant images a stopped run left: ${swept.join(", ")}`);
  const runId = resumed?.runId ?? o.runId;
  const dir = runDir(runId);
  const contexts = new Map(services.map((s) => [s, buildInfo(manifest, s).context]));
  const copyOf = (svc: string) =>
    path.join(dir, "src", String([...new Set(contexts.values())].indexOf(contexts.get(svc)!)));
  for (const ctx of new Set(contexts.values()))
    await copyTree(ctx, path.join(dir, "src", String([...new Set(contexts.values())].indexOf(ctx))));
  const state: RunState = resumed ?? (await newState({ ...o, runId }, manifest, services, copyOf));
  if (o.resume)
    log(`mutate: resuming run ${runId}: ${state.results.length} of ${state.mutants.length} mutants done`);
  await saveState(state);

  const reportDir = path.join(reportsDir(), runId);
  const budgetEnd = startedAt + o.budgetMs;
  const budget = AbortSignal.timeout(Math.max(1, o.budgetMs));
  const stop = AbortSignal.any([...(o.signal ? [o.signal] : []), budget]);
  let stack: StartedStack | undefined;
  let stackStarting: Promise<StartedStack> | undefined;
  const baseImages: string[] = [];
  let harnessBroke: string | undefined;
  const seed = state.options.seed;

  const startStack = async (): Promise<StartedStack> => {
    // The correct image of each mutated service is built from the same copy as its mutants,
    // under a tag of this run's: the service's own tag (:dev) is never touched.
    const services: Manifest["services"] = { ...manifest.services };
    for (const svc of state.options.services) {
      const b = buildInfo(manifest, svc);
      const id = `base-${runId
        .slice(-8)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")}`;
      const ctx = await imageContext(dir, `${svc}-${id}`);
      const built = await goBuild(copyOf(svc), b.pkg, b.tags, path.join(ctx, path.basename(b.pkg)), o.signal);
      if (!built.ok) throw new Error(`building ${svc} from the copy failed: ${built.output.slice(-400)}`);
      const ref = await packMutantImage(
        { image: b.image, id, binary: path.basename(b.pkg), expose: b.expose },
        ctx,
      );
      baseImages.push(ref);
      services[svc] = { ...services[svc]!, image: ref };
    }
    const s = await new Environment({ ...manifest, services }, { onEvent: o.onStack }).start();
    log(
      `mutate: stack ${manifest.name} ready in ${(s.timings.totalMs / 1000).toFixed(1)} s (${state.options.services.map((x) => `${x} from the copy`).join(", ")})`,
    );
    stack = s;
    return s;
  };
  const getStack = () => (stackStarting ??= startStack());

  /**
   * A scenario judges mutants only when it held on the correct target: each is run so once, when
   * a mutant first needs it (the same stack, the mutated services built from the same copy).
   */
  const heldOnBaseline = new Map<string, Promise<boolean>>();
  const runBaseline = async (sc: Scenario, svc: string): Promise<boolean> => {
    const prior = state.baseline.find((b) => b.scenario === sc.name);
    if (prior) return judge(prior) === "held";
    const s = await getStack();
    log(`mutate: baseline: ${sc.name} on the correct target`);
    await restoreStack(s);
    const r = await runScenario(sc, s, { seed, signal: stop, onEvent: o.onEvent });
    if (r.status === "interrupted") throw new TrialStopped();
    state.baseline.push({ ...scenarioRun(r), service: svc });
    await saveState(state);
    const held = judge(r) === "held";
    log(
      `mutate: baseline: ${sc.name} ${held ? "held" : `did not hold (${r.status}${r.failures[0] ? `: ${r.failures[0].check}` : ""}): it judges no mutant`}`,
    );
    return held;
  };
  const held = (sc: Scenario, svc: string) => {
    let p = heldOnBaseline.get(sc.name);
    if (!p) {
      p = runBaseline(sc, svc);
      p.catch(() => heldOnBaseline.delete(sc.name));
      heldOnBaseline.set(sc.name, p);
    }
    return p;
  };
  const maxScenarios = state.options.maxScenarios;
  /** The first scenarios (by the operator's kind) touching the mutant's service that held. */
  const scenariosOf = async (x: Mutant): Promise<Scenario[]> => {
    const out: Scenario[] = [];
    for (const sc of scenariosFor(x.service, x.operator, catalog)) {
      if (out.length >= maxScenarios || stop.aborted) break;
      if (await held(sc, x.service)) out.push(sc);
    }
    return out;
  };

  const write = async (final: boolean) => {
    const journal = buildJournal(o, manifest, state, runId, final, harnessBroke, stack);
    await writeJournal(reportDir, journal);
    const htmlFile = await writeRunPage(reportDir, journal);
    return { journal, htmlFile };
  };

  try {
    const todo = state.mutants.filter((m) => !state.results.some((r) => r.id === m.id));
    let index = state.results.length;
    for (const m of todo) {
      if (stop.aborted) break;
      const t0 = Date.now();
      let result: MutantResult;
      try {
        result = await trialMutant(m, {
          copy: copyOf(m.service),
          pristine: contexts.get(m.service)!,
          workDir: dir,
          build: buildInfo(manifest, m.service),
          seed,
          stack: getStack,
          scenarios: scenariosOf,
          signal: stop,
          timeoutMs: o.mutantTimeoutMs ?? 15 * 60_000,
          unitTimeoutMs: o.unitTimeoutMs ?? 2 * 60_000,
          onEvent: o.onEvent,
          log,
        });
      } catch (e) {
        if (e instanceof TrialStopped || stop.aborted) break;
        throw e;
      }
      state.results.push(result);
      await saveState(state);
      await write(false);
      index++;
      const elapsed = Date.now() - startedAt;
      const per = elapsed / Math.max(1, index - (state.mutants.length - todo.length));
      o.onProgress?.({
        index,
        total: state.mutants.length,
        result,
        elapsedMs: Date.now() - t0,
        leftMs: Math.min(per * (state.mutants.length - index), Math.max(0, budgetEnd - Date.now())),
      });
    }
  } catch (e) {
    harnessBroke = `harness error: ${(e as Error).message}`;
    log(`mutate: ${harnessBroke}`);
  } finally {
    await stack?.stop().catch(() => undefined);
    for (const ref of baseImages) await removeMutantImage(ref).catch(() => undefined);
    await rm(path.join(dir, "src"), { recursive: true, force: true });
    await rm(path.join(dir, "image"), { recursive: true, force: true });
  }
  if (budget.aborted && !o.signal?.aborted)
    log(`mutate: the budget of ${Math.round(o.budgetMs / 60000)} min is spent; continue with --resume`);
  const { journal, htmlFile } = await write(true);
  const exitCode = o.signal?.aborted ? 130 : harnessBroke ? 3 : 0;
  return { journal, reportDir, htmlFile, exitCode };
}

function buildJournal(
  o: MutateOptions,
  m: Manifest,
  state: RunState,
  runId: string,
  final: boolean,
  harnessBroke: string | undefined,
  stack: StartedStack | undefined,
): Journal {
  const results: MutantResult[] = [
    ...state.results,
    ...state.equivalent.map(({ mutant, reason }) => ({
      ...resultOf(mutant),
      status: "equivalent" as const,
      detail: "judged equivalent in mutate.yaml",
      equivalentReason: reason,
    })),
    ...state.mutants
      .filter((x) => !state.results.some((r) => r.id === x.id))
      .map((x) => ({
        ...resultOf(x),
        status: "not-run" as const,
        detail: final ? "not reached within the budget (or stopped): --resume continues" : "not run yet",
      })),
  ];
  const interrupted = o.signal?.aborted ?? false;
  return {
    version: 2,
    runId,
    target: m.name,
    command: `faultline mutate${state.options.services.length ? ` --service ${state.options.services.join(",")}` : ""}${state.options.maxMutants !== undefined ? ` --max-mutants ${state.options.maxMutants}` : ""} --seed ${state.options.seed}`,
    startedAt: state.startedAt,
    endedAt: new Date().toISOString(),
    status: !final || interrupted ? "interrupted" : harnessBroke ? "aborted" : "completed",
    ...(harnessBroke
      ? { reason: harnessBroke }
      : interrupted
        ? { reason: "interrupted by the operator: --resume continues" }
        : {}),
    phases: [],
    ...(stack ? { stack: stack.timings } : {}),
    mutation: {
      schema: 1,
      seed: state.options.seed,
      budgetMs: o.budgetMs,
      generated: state.generated,
      baseline: state.baseline,
      mutants: results,
      byService: scores(results, (r) => r.service),
      byOperator: scores(results, (r) => r.operator),
      total: score("all", results),
    },
  };
}

function resultOf(x: Mutant): Omit<MutantResult, "status" | "detail"> {
  return { ...resultBase(x), scenarios: [], durationMs: 0 };
}
