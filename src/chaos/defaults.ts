/**
 * The manifest-driven default catalog: for every edge a cut and a hang (Toxiproxy's `timeout`
 * toxic), for every service and infrastructure container a kill and its restart, each under the
 * workload and judged by the target's invariants, for every such cell no scenario file fills.
 *
 * Cost: the generated scenarios share one stack with the rest of the catalog, and each one is a
 * single run (one steady state, one workload, one settle) whose method goes through waves; a
 * wave holds faults that do not mask each other (see `independent`), injected together.
 *
 * What the faults are judged by comes from the target's kit (`suites/chaos/support/defaults.ts`:
 * its workload, steady state, invariants, and the switches each generated scenario catches);
 * a target without one gets a kit from its manifest alone: every service ready, before and
 * after, and again after each container fault.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { durationMs, type Edge, type Manifest } from "../env/manifest.ts";
import { coverageMatrix, REQUIRED_CONTAINER_FAULTS, REQUIRED_EDGE_FAULTS } from "./coverage.ts";
import type { Invariant, Probe, Scenario, Step, Workload } from "./model.ts";
import type { ProbeContext } from "./probe-context.ts";
import { at, eq } from "./tolerance.ts";

/** What a target gives the generated scenarios (suites/chaos/support/defaults.ts, default export). */
export interface DefaultKit {
  setup?: (ctx: ProbeContext) => Promise<void>;
  steadyState: Probe[];
  workload?: Workload;
  invariants: Invariant[];
  /** Per generated scenario (`default-edge-cuts`, ...): the switches it must catch and the check. */
  catches?: Partial<Record<DefaultName, Record<string, string>>>;
  /** How long after the last heal the invariants may take to hold (default 45 s). */
  settleS?: number;
}

export const DEFAULT_NAMES = ["default-edge-cuts", "default-edge-hangs", "default-container-kills"] as const;
export type DefaultName = (typeof DEFAULT_NAMES)[number];

export function defineDefaults(kit: DefaultKit): DefaultKit {
  return kit;
}

/** The kit of a target without one: every service ready (its readiness path answers 200). */
export function manifestKit(m: Manifest): DefaultKit {
  return {
    steadyState: Object.entries(m.services).map(([name, s]) => ({
      kind: "http",
      name: `${name} is ready`,
      service: name,
      path: s.readiness,
      tolerance: at("$.status", eq(200)),
    })),
    invariants: [],
  };
}

export async function loadKit(root: string, m: Manifest): Promise<DefaultKit> {
  const file = path.join(root, "suites", "chaos", "support", "defaults.ts");
  if (!existsSync(file)) return manifestKit(m);
  const mod = (await import(pathToFileURL(file).href)) as { default?: DefaultKit };
  if (!mod.default || !Array.isArray(mod.default.steadyState) || !Array.isArray(mod.default.invariants))
    throw new Error(
      `${path.relative(root, file)}: the default export is not a kit: export default defineDefaults({ steadyState, invariants, workload })`,
    );
  return mod.default;
}

// ---- which faults may run together ------------------------------------------------------------

/** Services a service calls, directly or not (service -> service edges). */
function callees(m: Manifest, from: string): Set<string> {
  const out = new Set<string>();
  const walk = (s: string) => {
    for (const e of m.edges)
      if (e.from === s && e.toKind === "service" && !out.has(e.to)) {
        out.add(e.to);
        walk(e.to);
      }
  };
  walk(from);
  return out;
}

/**
 * Two services are related when one calls the other (directly or not), they are one, or they
 * share a direct caller (a caller that calls them in turn stops at the first that fails, so a
 * fault on one hides a fault on the other).
 */
export function related(m: Manifest, a: string, b: string): boolean {
  if (a === b || callees(m, a).has(b) || callees(m, b).has(a)) return true;
  const callers = (s: string) =>
    new Set(m.edges.filter((e) => e.to === s && e.toKind === "service").map((e) => e.from));
  const ca = callers(a);
  return [...callers(b)].some((c) => ca.has(c));
}

/** The services a fault acts on: an edge's caller; a container's own service, or every user of an infrastructure. */
type Subject = { kind: "edge"; edge: Edge } | { kind: "container"; name: string };

function actors(m: Manifest, s: Subject): string[] {
  if (s.kind === "edge") return [s.edge.from];
  if (m.services[s.name]) return [s.name];
  return m.edges.filter((e) => e.to === s.name).map((e) => e.from);
}

/** Telemetry (edges to the trace backend, the backend itself) carries no request: it masks nothing. */
function telemetry(m: Manifest, s: Subject): boolean {
  return s.kind === "edge" ? s.edge.toKind === "tracing" : m.infrastructure[s.name]?.kind === "tracing";
}

/** Faults that can be injected together without one hiding the other. */
export function independent(m: Manifest, a: Subject, b: Subject): boolean {
  if (telemetry(m, a) || telemetry(m, b)) return true;
  return !actors(m, a).some((x) => actors(m, b).some((y) => related(m, x, y)));
}

/** Greedy packing into waves: the most constrained subject first, into the first wave it fits. */
export function waves<T extends Subject>(m: Manifest, subjects: T[]): T[][] {
  const degree = (s: T) => subjects.filter((o) => o !== s && !independent(m, s, o)).length;
  const sorted = [...subjects].sort((x, y) => degree(y) - degree(x));
  const out: T[][] = [];
  for (const s of sorted) {
    const w = out.find((wave) => wave.every((o) => independent(m, s, o)));
    if (w) w.push(s);
    else out.push([s]);
  }
  return out;
}

// ---- the scenarios ----------------------------------------------------------------------------

/** Seconds each edge wave is in force, and the pause after its heal. */
const CUT_S = 4;
const HANG_S = 3;
const GAP_S = 2;
/**
 * A hang outlasts the caller's own deadline (the manifest's `deadline` of the edge) by this much,
 * so a caller that does not bound its wait is still waiting when the deadline has long passed:
 * a hang shorter than the deadline cannot tell a bounded caller from an unbounded one.
 */
const HANG_BEYOND_DEADLINE_S = 4;

/** Seconds a wave of hung edges stays hung: HANG_S, or longer than the longest caller deadline. */
export function hangSeconds(wave: Edge[]): number {
  const beyond = wave
    .filter((e) => e.dependency.deadline)
    .map((e) => Math.ceil(durationMs(e.dependency.deadline!) / 1000) + HANG_BEYOND_DEADLINE_S);
  return Math.max(HANG_S, ...beyond);
}

function edgeWaveSteps(m: Manifest, ws: Edge[][], kind: "cut" | "hang"): Step[] {
  const steps: Step[] = [{ kind: "wait", seconds: 2 }];
  ws.forEach((wave, i) => {
    const names = wave.map((e) => `${kind}-${e.name}`);
    for (const e of wave)
      steps.push({
        kind: "fault",
        name: `${kind}-${e.name}`,
        fault:
          kind === "cut"
            ? { type: "cut", edge: e.name }
            : // timeout 0: nothing passes (Toxiproxy drops the data) and the connection stays
              // open until the toxic goes
              {
                type: "toxic",
                edge: e.name,
                toxic: { type: "timeout", attributes: { timeout: 0 } },
                stream: "both",
              },
      });
    steps.push({ kind: "wait", seconds: kind === "cut" ? CUT_S : hangSeconds(wave) });
    for (const n of names) steps.push({ kind: "heal", fault: n });
    if (i < ws.length - 1) steps.push({ kind: "wait", seconds: GAP_S });
  });
  return steps;
}

function containerWaveSteps(kit: DefaultKit, ws: { name: string }[][]): Step[] {
  const steps: Step[] = [{ kind: "wait", seconds: 2 }];
  ws.forEach((wave, i) => {
    for (const c of wave)
      steps.push({
        kind: "fault",
        name: `kill-${c.name}`,
        fault: { type: "container", target: c.name, action: "kill" },
      });
    steps.push({ kind: "wait", seconds: 2 });
    for (const c of wave) steps.push({ kind: "heal", fault: `kill-${c.name}` });
    // The next wave starts on a system that is back: every steady-state probe in tolerance.
    kit.steadyState.forEach((p) =>
      steps.push({
        kind: "expect",
        name: `after restarting ${wave.map((c) => c.name).join(", ")}: ${p.name}`,
        probe: p,
        withinS: 60,
      }),
    );
    if (i < ws.length - 1) steps.push({ kind: "wait", seconds: 1 });
  });
  return steps;
}

/**
 * The generated scenarios for the required cells that `scenarios` leave empty (none when every
 * such cell is filled). `file` names the manifest they come from.
 */
export function defaultScenarios(m: Manifest, scenarios: Scenario[], kit: DefaultKit): Scenario[] {
  const cm = coverageMatrix(m, scenarios);
  const empty = (subject: string, fault: string) =>
    cm.rows.find((r) => r.subject === subject)?.cells.find((c) => c.fault === fault)?.scenarios.length === 0;
  const settleS = kit.settleS ?? 45;
  const base = (name: DefaultName, title: string, description: string, method: Step[]): Scenario => ({
    name,
    file: `${path.relative(process.cwd(), m.file) || m.file} (generated: src/chaos/defaults.ts)`,
    title,
    description,
    tags: ["generated", ...name.split("-").slice(1)],
    catches: kit.catches?.[name] ?? {},
    setup: kit.setup,
    steadyState: kit.steadyState,
    workload: kit.workload,
    invariants: kit.invariants,
    method,
    recoverWithinS: 60,
    timeoutS:
      60 +
      settleS +
      method.reduce((t, s) => t + (s.kind === "wait" ? s.seconds : s.kind === "expect" ? 5 : 1), 0) * 2,
  });
  const out: Scenario[] = [];
  for (const fault of REQUIRED_EDGE_FAULTS) {
    const edges = m.edges.filter((e) => empty(e.name, fault));
    if (!edges.length) continue;
    const ws = waves(
      m,
      edges.map((edge) => ({ kind: "edge" as const, edge })),
    ).map((w) => w.map((s) => s.edge));
    const name: DefaultName = fault === "cut" ? "default-edge-cuts" : "default-edge-hangs";
    const what =
      fault === "cut"
        ? `cut for ${CUT_S} s`
        : `hung (Toxiproxy timeout toxic, both directions: nothing passes and the connection stays open) for ${HANG_S} s, or ${HANG_BEYOND_DEADLINE_S} s beyond the caller's deadline where the manifest gives one`;
    out.push(
      base(
        name,
        `Every edge no scenario ${fault === "cut" ? "cuts" : "hangs"}, ${fault === "cut" ? "cut" : "hung"} in turn under the workload (generated from the manifest)`,
        `Generated from ${path.basename(m.file)}: ${edges.length} edge(s) ${what}, in ${ws.length} wave(s) of faults that do not mask each other (${ws.map((w) => `{${w.map((e) => e.name).join(", ")}}`).join(", ")}), ${GAP_S} s apart, under the workload; the target's invariants are judged after the last heal.`,
        edgeWaveSteps(m, ws, fault === "cut" ? "cut" : "hang"),
      ),
    );
  }
  const containers = [...Object.keys(m.services), ...Object.keys(m.infrastructure)].filter((c) =>
    REQUIRED_CONTAINER_FAULTS.some((f) => empty(c, f)),
  );
  if (containers.length) {
    const ws = waves(
      m,
      containers.map((name) => ({ kind: "container" as const, name })),
    );
    out.push(
      base(
        "default-container-kills",
        "Every container no scenario kills, killed and restarted in turn under the workload (generated from the manifest)",
        `Generated from ${path.basename(m.file)}: ${containers.join(", ")} killed (SIGKILL) for 2 s and started again, in ${ws.length} wave(s) (${ws.map((w) => `{${w.map((c) => c.name).join(", ")}}`).join(", ")}); after each wave the steady state must be back within 60 s; the target's invariants are judged after the last restart.`,
        containerWaveSteps(kit, ws),
      ),
    );
  }
  return out;
}
