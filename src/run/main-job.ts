/**
 * The main job (`npm start`, `faultline run`): one stack, and on it, in order, the contracts
 * (consumer tests, then every provider verified against the running stack), the chaos catalog,
 * a load smoke and the footprint; then one journal and one report. Suites reset what they touch
 * (toxics, containers, their own data) instead of starting stacks. A failed or interrupted run
 * still writes its report.
 */
import path from "node:path";
import { readdir, readFile } from "node:fs/promises";
import { loadManifest, type Manifest } from "../env/manifest.ts";
import { Environment, type StackEvent, type StartedStack } from "../env/stack.ts";
import { AttachedStack } from "../env/attached-stack.ts";
import { readStackState } from "../env/stack-state.ts";
import { docker } from "../docker-client.ts";
import type { ChaosTarget } from "../chaos/target.ts";
import { coverageMatrix } from "../chaos/coverage.ts";
import { checkAgainstStack, runScenarios, selectScenarios } from "../chaos/session.ts";
import type { RunEvent } from "../chaos/runner.ts";
import { runConsumerTests } from "../contracts/consumer-tests.ts";
import { loadProviderHarness, providerHarnessFile } from "../contracts/provider-harness.ts";
import { verifyWithSetup } from "../contracts/provider-run.ts";
import type { VerificationReport } from "../contracts/verify.ts";
import type { ContractInteraction, Journal, Phase, PhaseStatus, ScenarioResult } from "../report/journal.ts";
import { writeJournal } from "../report/journal.ts";
import { writeRunPage } from "../report/render.ts";
import { projectRoot, reportsDir } from "../paths.ts";
import { existsSync } from "node:fs";
import { loadScenario } from "../load/scenario.ts";
import { runLoad } from "../load/run-load.ts";

export const AREAS = ["contracts", "chaos", "load", "footprint"] as const;
export type Area = (typeof AREAS)[number];

export interface MainJobOptions {
  target: string;
  runId: string;
  /** Only these areas (default: all). */
  only?: Area[];
  /** Run on the stack `faultline up` started (contracts then need a started stack: skipped). */
  attach?: boolean;
  seed?: number;
  signal?: AbortSignal;
  onEvent?: (e: StackEvent) => void;
  onChaos?: (e: RunEvent) => void;
  log?: (line: string) => void;
}

export interface MainJobResult {
  journal: Journal;
  reportDir: string;
  htmlFile: string;
}

type PhaseBody = Omit<Phase, "name" | "startedAt" | "durationMs">;

async function phase(
  name: string,
  phases: Phase[],
  log: (l: string) => void,
  fn: () => Promise<PhaseBody>,
): Promise<Phase> {
  const t0 = Date.now();
  log(`▶ ${name}`);
  let body: PhaseBody;
  try {
    body = await fn();
  } catch (err) {
    body = { status: "failed", detail: err instanceof Error ? err.message : String(err) };
  }
  const p: Phase = { name, startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0, ...body };
  phases.push(p);
  log(
    `  ${p.status === "passed" ? "✓" : p.status === "skipped" ? "-" : "✗"} ${name} ${p.status} in ${(p.durationMs / 1000).toFixed(1)} s: ${p.detail}`,
  );
  return p;
}

/** Providers that have a harness and a pact in pacts/. */
async function providersWithPacts(root: string): Promise<{ provider: string; pacts: string[] }[]> {
  const dir = path.join(root, "pacts");
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".json"));
  const byProvider = new Map<string, string[]>();
  for (const f of files) {
    const pact = JSON.parse(await readFile(path.join(dir, f), "utf8")) as { provider?: { name?: string } };
    const p = pact.provider?.name;
    if (!p) continue;
    byProvider.set(p, [...(byProvider.get(p) ?? []), path.join(dir, f)]);
  }
  return [...byProvider.entries()]
    .filter(([p]) => existsSync(providerHarnessFile(p)))
    .map(([provider, pacts]) => ({ provider, pacts }));
}

function interactionsOf(r: VerificationReport, consumerOf: (desc: string) => string): ContractInteraction[] {
  return r.interactions.map((i) => {
    const failure = r.failures.find((f) => f.description === i.description);
    return {
      consumer: consumerOf(i.description),
      provider: r.provider,
      description: i.description,
      kind: "http" as const,
      side: "provider" as const,
      providerStates: [],
      status: (i.ok || i.pending ? "passed" : "failed") as PhaseStatus,
      mismatches: (failure?.mismatches ?? []).map((m) => ({ path: "", message: m })),
    };
  });
}

/** Which consumer wrote each interaction, and its kind (http, message, grpc), from the pact files. */
async function pactIndex(
  files: string[],
): Promise<Map<string, { consumer: string; kind: ContractInteraction["kind"]; states: string[] }>> {
  const out = new Map<string, { consumer: string; kind: ContractInteraction["kind"]; states: string[] }>();
  for (const f of files) {
    const pact = JSON.parse(await readFile(f, "utf8")) as {
      consumer?: { name?: string };
      interactions?: {
        description?: string;
        type?: string;
        transport?: string;
        pluginConfiguration?: unknown;
        providerStates?: { name?: string }[];
      }[];
    };
    for (const i of pact.interactions ?? []) {
      const kind = i.type?.includes("Message")
        ? i.transport === "grpc" || i.pluginConfiguration
          ? "grpc"
          : "message"
        : "http";
      if (i.description)
        out.set(i.description, {
          consumer: pact.consumer?.name ?? "?",
          kind,
          states: (i.providerStates ?? []).flatMap((st) => (st.name ? [st.name] : [])),
        });
    }
  }
  return out;
}

async function contractsPhase(
  stack: StartedStack,
  root: string,
  j: Partial<Journal>,
  log: (l: string) => void,
): Promise<PhaseBody> {
  const consumer = await runConsumerTests({ stdio: "pipe" });
  if (consumer.exitCode !== 0) {
    // Each failing consumer test is a failed interaction of the journal: the report, summary.md,
    // JUnit and the pass rate all show it by name with its first error lines.
    const f0 = consumer.failures[0];
    j.contracts = {
      status: "failed",
      pacts: [],
      interactions: consumer.failures.map((f) => {
        const [c, p] = path
          .basename(f.file)
          .replace(/\.consumer\.test\.ts$/, "")
          .split("-");
        return {
          consumer: c ?? "?",
          provider: p ?? "?",
          description: `${f.test} (${f.file})`,
          kind: "http" as const,
          side: "consumer" as const,
          providerStates: [],
          status: "failed" as PhaseStatus,
          mismatches: [{ path: "", message: f.message }],
        };
      }),
    };
    return {
      status: "failed",
      detail: `${consumer.failures.length} consumer test(s) failed (exit ${consumer.exitCode})${f0 ? `; first: ${f0.file} › ${f0.test}: ${f0.message.split("\n")[0]}` : ""}`,
      items: consumer.failures.map((f) => ({
        name: `${f.file} › ${f.test}`,
        status: "failed" as PhaseStatus,
        detail: f.message,
      })),
    };
  }
  const interactions: ContractInteraction[] = [];
  const items: Phase["items"] = [];
  const providers = await providersWithPacts(root);
  for (const { provider, pacts } of providers) {
    const index = await pactIndex(pacts);
    const harness = await loadProviderHarness(provider);
    if (harness.stackEnv) {
      items.push({
        name: provider,
        status: "skipped",
        detail: "its harness needs a stack of its own (stackEnv)",
      });
      continue;
    }
    await stack.reset();
    await using setup = await harness.setUp(stack);
    const report = await verifyWithSetup(setup, {
      provider,
      source: { kind: "files", pacts },
      throwOnFailure: false,
    });
    const mine = interactionsOf(report, (d) => index.get(d)?.consumer ?? "?").map((i) => ({
      ...i,
      kind: index.get(i.description)?.kind ?? i.kind,
      providerStates: index.get(i.description)?.states ?? [],
    }));
    interactions.push(...mine);
    items.push({
      name: provider,
      status: report.passed ? "passed" : "failed",
      durationMs: report.durationMs,
      detail: `${mine.length} interactions, ${report.failures.length} failing`,
    });
    log(`  ${report.passed ? "✓" : "✗"} ${provider}: ${mine.length} interactions verified against the stack`);
  }
  const failed = interactions.filter((i) => i.status === "failed").length;
  j.contracts = {
    status: failed ? "failed" : "passed",
    pacts: consumer.pacts.map((f) => {
      const [c, p] = path.basename(f, ".json").split("-");
      return { consumer: c ?? "?", provider: p ?? "?", file: f };
    }),
    interactions,
  };
  return {
    status: failed ? "failed" : "passed",
    detail: `${consumer.files.length} consumer test files wrote ${consumer.pacts.length} pacts; ${providers.length} providers verified, ${interactions.length} interactions, ${failed} failing`,
    items,
  };
}

async function chaosPhase(
  target: ChaosTarget,
  m: Manifest,
  root: string,
  o: MainJobOptions,
  j: Partial<Journal>,
): Promise<PhaseBody> {
  const scenarios = await selectScenarios(root, m, { all: true });
  await checkAgainstStack(scenarios, target);
  const results: ScenarioResult[] = await runScenarios(scenarios, target, {
    seed: o.seed ?? 1,
    signal: o.signal,
    onEvent: o.onChaos,
  });
  // The catalog's fault coverage beside the results, as `chaos run` records it: the report shows the matrix.
  j.chaos = { scenarios: results, coverage: coverageMatrix(m, scenarios) };
  const bad = results.filter((r) => r.status !== "completed");
  return {
    status: bad.length ? "failed" : "passed",
    detail: `${results.length} scenarios, ${results.length - bad.length} held${bad.length ? `; not held: ${bad.map((r) => `${r.name} (${r.status})`).join(", ")}` : ""}`,
    items: results.map((r) => ({
      name: r.name,
      status: r.status === "completed" ? "passed" : "failed",
      durationMs: r.durationMs,
      detail: r.failures[0] ? `${r.failures[0].check}: ${r.failures[0].evidence}` : (r.reason ?? "held"),
    })),
  };
}

/** The smoke load scenario on the run's stack, through the Go runner inside its network. */
async function loadPhase(
  stack: StartedStack,
  root: string,
  o: MainJobOptions,
  j: Partial<Journal>,
): Promise<PhaseBody> {
  const scenario = await loadScenario("smoke", root);
  const run = await runLoad(stack, scenario, { profile: "smoke", signal: o.signal });
  j.load = { runs: [run] };
  const failed = run.thresholds.filter((t) => !t.ok);
  const p95 = run.metrics["http_req_duration"]?.values["p(95)"];
  return {
    status: run.status === "passed" ? "passed" : "failed",
    detail: `${scenario.name}: ${run.series.reduce((n, s) => n + s.requests, 0)} requests, p95 ${p95 === undefined ? "-" : `${p95.toFixed(1)} ms`}, ${run.thresholds.length - failed.length} of ${run.thresholds.length} thresholds held${failed.length ? ` (failed: ${failed.map((t) => `${t.metric} ${t.expression}`).join(", ")})` : ""}`,
    items: run.thresholds.map((t) => ({
      name: `${t.metric}: ${t.expression}`,
      status: t.ok ? ("passed" as const) : ("failed" as const),
      detail: `observed ${t.observed ?? "no sample"}`,
    })),
  };
}

/** Image sizes, each service's start to ready in this run and its memory now, from Docker. */
async function footprintPhase(networkName: string, m: Manifest, j: Partial<Journal>): Promise<PhaseBody> {
  const services = [];
  for (const name of Object.keys(m.services)) {
    const c = docker().getContainer(`${networkName}-${name}`);
    const info = await c.inspect();
    const img = await docker().getImage(info.Image).inspect();
    const stats = (await c.stats({ stream: false })) as { memory_stats?: { usage?: number } };
    const t = j.stack?.containers.find((x) => x.name === name);
    const ms = t?.startedToReadyMs;
    services.push({
      name,
      imageBytes: img.Size,
      ...(ms !== undefined ? { startToReadyMs: { median: ms, p90: ms, min: ms, max: ms, samples: 1 } } : {}),
      memory: { idleBytes: stats.memory_stats?.usage },
    });
  }
  j.footprint = { services, claims: [], comparisons: [] };
  return {
    status: "passed",
    detail: `${services.length} services: image size, start to ready in this run, memory now (faultline bench footprint and bench claims measure distributions and the claims table)`,
  };
}

export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const log = opts.log ?? (() => {});
  const root = projectRoot();
  const startedAt = new Date().toISOString();
  const dir = path.join(reportsDir(), opts.runId);
  const areas = new Set<Area>(opts.only?.length ? opts.only : AREAS);
  const phases: Phase[] = [];
  const j: Partial<Journal> = {};
  let stack: StartedStack | undefined;
  let target: ChaosTarget | undefined;
  let manifest: Manifest | undefined;
  let targetName = opts.target;
  try {
    await phase("manifest", phases, log, async () => {
      manifest = await loadManifest(opts.target, root);
      targetName = manifest.name;
      return {
        status: "passed",
        detail: `${manifest.file}: ${Object.keys(manifest.services).length} services, ${manifest.edges.length} edges`,
      };
    });
    const m = manifest;
    if (m) {
      const up = await phase(opts.attach ? "attach" : "stack up", phases, log, async () => {
        if (opts.attach) {
          const state = await readStackState(m.name);
          if (!state)
            throw new Error(
              `no stack of target "${m.name}" is up; start one with: faultline up --target ${m.name}`,
            );
          target = await new AttachedStack(m, state).load();
          j.stack = state.timings;
          return { status: "passed", detail: `attached to run ${state.runId}` };
        }
        stack = await new Environment(m, { onEvent: opts.onEvent }).start();
        target = stack;
        j.stack = stack.timings;
        return {
          status: "passed",
          detail: `${m.name} ready in ${(stack.timings.totalMs / 1000).toFixed(1)} s; entry point ${stack.entrypointUrl}`,
          items: stack.timings.containers.map((c) => ({
            name: c.name,
            status: "passed" as const,
            durationMs: c.createdToReadyMs,
            detail: "created → ready",
          })),
        };
      });
      const t = target;
      if (up.status === "passed" && t) {
        await phase("edges", phases, log, async () => {
          const edges = await t.edgeStates();
          const items = edges.map((e) => ({
            name: e.name,
            status: (e.enabled && e.toxics.length === 0 ? "passed" : "failed") as PhaseStatus,
            detail: `${e.listen} -> ${e.upstream}${e.enabled ? "" : " (disabled)"}${e.toxics.length ? ` (${e.toxics.length} toxics)` : ""}`,
          }));
          const bad = items.filter((i) => i.status === "failed");
          return {
            status: bad.length ? "failed" : "passed",
            detail: bad.length
              ? `not clean: ${bad.map((b) => b.name).join(", ")}`
              : `${edges.length} edges through Toxiproxy, all enabled, no toxic`,
            items,
          };
        });
        const skip = (area: Area, why: string) =>
          phase(area, phases, log, async () => ({ status: "skipped", detail: why }));
        if (areas.has("contracts")) {
          if (stack) {
            const s = stack;
            await phase("contracts", phases, log, () => contractsPhase(s, root, j, log));
          } else
            await skip("contracts", "provider harnesses need a stack this run started (not with --attach)");
        }
        if (areas.has("chaos") && !opts.signal?.aborted)
          await phase("chaos", phases, log, () => chaosPhase(t, m, root, opts, j));
        if (areas.has("load") && !opts.signal?.aborted) {
          if (stack) {
            const s = stack;
            await phase("load", phases, log, () => loadPhase(s, root, opts, j));
          } else
            await skip(
              "load",
              "the smoke runs on a stack this run started (not with --attach): faultline load run smoke --attach",
            );
        }
        const networkName = stack?.network.name ?? (t as AttachedStack).state?.network;
        if (areas.has("footprint") && !opts.signal?.aborted && networkName)
          await phase("footprint", phases, log, () => footprintPhase(networkName, m, j));
      }
    }
  } finally {
    await stack?.stop().catch(() => undefined);
  }
  const interrupted = opts.signal?.aborted ?? false;
  const status: Journal["status"] = interrupted
    ? "interrupted"
    : phases.some((p) => p.status === "failed")
      ? "failed"
      : "completed";
  const journal: Journal = {
    version: 2,
    runId: opts.runId,
    target: targetName,
    command: `faultline run${opts.only?.length ? ` --only ${opts.only.join(",")}` : ""}${opts.attach ? " --attach" : ""}`,
    startedAt,
    endedAt: new Date().toISOString(),
    status,
    ...(stack ? { driver: stack.driver } : target ? { driver: "docker" } : {}),
    ...(interrupted ? { reason: "interrupted by the operator" } : {}),
    phases,
    ...j,
  };
  await writeJournal(dir, journal);
  const htmlFile = await writeRunPage(dir, journal);
  return { journal, reportDir: dir, htmlFile };
}
