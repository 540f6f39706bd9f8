import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { loadManifest } from "../env/manifest.ts";
import { Environment, type StackEvent, type StackTimings, type StartedStack } from "../env/stack.ts";
import type { Journal, Phase, PhaseStatus } from "../report/journal.ts";
import { writeJournal } from "../report/journal.ts";
import { writeRunPage } from "../report/html-report.ts";
import { projectRoot, reportsDir } from "../paths.ts";

export interface MainJobOptions {
  target: string;
  runId: string;
  onEvent?: (e: StackEvent) => void;
  log?: (line: string) => void;
}

export interface MainJobResult {
  journal: Journal;
  reportDir: string;
  htmlFile: string;
}

async function phase(
  name: string,
  phases: Phase[],
  fn: () => Promise<Omit<Phase, "name" | "startedAt" | "durationMs">>,
): Promise<Phase> {
  const t0 = Date.now();
  let p: Phase;
  try {
    p = { name, startedAt: new Date(t0).toISOString(), durationMs: 0, ...(await fn()) };
  } catch (err) {
    p = {
      name,
      startedAt: new Date(t0).toISOString(),
      durationMs: 0,
      status: "failed",
      detail: err instanceof Error ? err.message : String(err),
    };
  }
  p.durationMs = Date.now() - t0;
  phases.push(p);
  return p;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; duration?: number; failureMessages?: string[] }[];
  }[];
}

/** Runs the suites under suites/ with Vitest, writing its JSON next to the journal. */
async function runSuites(
  dir: string,
  log: (l: string) => void,
): Promise<Omit<Phase, "name" | "startedAt" | "durationMs">> {
  const root = projectRoot();
  const files = (
    await readdir(path.join(root, "suites"), { recursive: true }).catch(() => [] as string[])
  ).filter((f) => f.endsWith(".test.ts"));
  if (files.length === 0) {
    return {
      status: "skipped",
      detail: "no suites under suites/ yet (contracts, chaos and load suites land with later issues)",
    };
  }
  const out = path.join(dir, "suites.json");
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        path.join(root, "node_modules", "vitest", "vitest.mjs"),
        "run",
        "--project",
        "integration",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${out}`,
        "suites/",
      ],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: process.env },
    );
    child.on("close", (c) => resolve(c ?? 1));
  });
  let report: VitestJson;
  try {
    report = JSON.parse(await readFile(out, "utf8")) as VitestJson;
  } catch {
    return { status: "failed", detail: `vitest exited ${code} without a report` };
  }
  log(`suites: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  const items = report.testResults.flatMap((f) =>
    f.assertionResults.map((a) => ({
      name: `${path.relative(root, f.name)} › ${a.fullName}`,
      status: (a.status === "passed"
        ? "passed"
        : a.status === "failed"
          ? "failed"
          : "skipped") as PhaseStatus,
      durationMs: a.duration === undefined ? undefined : Math.round(a.duration),
      detail: a.failureMessages?.join("\n").slice(0, 4000),
    })),
  );
  return {
    status: code === 0 && report.numFailedTests === 0 ? "passed" : "failed",
    detail: `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} skipped`,
    items,
  };
}

/**
 * The main job (`npm start`): bring up the target, check that every service is ready, take it
 * down, run every suite that exists, and write the journal and the HTML report. A failed run
 * still writes its report.
 */
export async function runMainJob(opts: MainJobOptions): Promise<MainJobResult> {
  const log = opts.log ?? (() => {});
  const startedAt = new Date().toISOString();
  const dir = path.join(reportsDir(), opts.runId);
  const phases: Phase[] = [];
  let stack: StartedStack | undefined;
  let timings: StackTimings | undefined;
  let target = opts.target;
  let status: Journal["status"] = "completed";
  try {
    const manifestPhase = await phase("manifest", phases, async () => {
      const m = await loadManifest(opts.target, projectRoot());
      target = m.name;
      return {
        status: "passed",
        detail: `${m.file}: ${Object.keys(m.services).length} services, ${m.edges.length} edges`,
      };
    });
    if (manifestPhase.status === "passed") {
      const up = await phase("stack up", phases, async () => {
        const m = await loadManifest(opts.target, projectRoot());
        stack = await new Environment(m, { onEvent: opts.onEvent }).start();
        timings = stack.timings;
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
      if (up.status === "passed" && stack) {
        const s = stack;
        await phase("readiness", phases, async () => {
          const states = (await s.states()).filter((x) => x.kind === "service");
          const items = states.map((x) => ({
            name: x.name,
            status: (x.ready ? "passed" : "failed") as PhaseStatus,
            detail: `${x.state}; ${Object.entries(x.urls)
              .map(([k, v]) => `${k} ${v}`)
              .join(", ")}`,
          }));
          const bad = items.filter((i) => i.status === "failed");
          return {
            status: bad.length ? "failed" : "passed",
            detail: bad.length
              ? `not ready: ${bad.map((b) => b.name).join(", ")}`
              : `${items.length} services ready`,
            items,
          };
        });
        await phase("edges", phases, async () => {
          const edges = await s.edgeStates();
          return {
            status: edges.every((e) => e.enabled) ? "passed" : "failed",
            detail: `${edges.length} edges through Toxiproxy`,
            items: edges.map((e) => ({
              name: e.name,
              status: "passed" as const,
              detail: `${e.listen} -> ${e.upstream}`,
            })),
          };
        });
      }
      await stack?.stop();
      stack = undefined;
      await phase("suites", phases, () => runSuites(dir, log));
    }
  } finally {
    await stack?.stop().catch(() => undefined);
  }
  if (phases.some((p) => p.status === "failed")) status = "failed";
  const journal: Journal = {
    version: 2,
    runId: opts.runId,
    target,
    command: "faultline run",
    startedAt,
    endedAt: new Date().toISOString(),
    status,
    phases,
    stack: timings,
  };
  await writeJournal(dir, journal);
  const htmlFile = await writeRunPage(dir, journal);
  return { journal, reportDir: dir, htmlFile };
}
