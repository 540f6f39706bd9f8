/**
 * The chaos scenario model (after Chaos Toolkit, Jepsen and k6): what a scenario proves, its
 * steady state, its workload, its timed method, and the invariants judged afterwards. Every part
 * is a discriminated union; a scenario file exports one `defineScenario({...})`.
 */
import type { ToxicSpec, ToxicStream } from "../env/edge.ts";
import type { LoadRun } from "../report/journal.ts";
import type { History, Op } from "./history.ts";
import type { ProbeContext } from "./probe-context.ts";

/** Outputs of earlier probe steps, by their `id`: a later step can use what an earlier one returned. */
export type Outputs = Readonly<Record<string, unknown>>;

// ---- tolerances --------------------------------------------------------------------------------

export type Tolerance =
  | { kind: "exact"; value: unknown }
  | { kind: "range"; min: number; max: number }
  | { kind: "regex"; pattern: string; flags?: string }
  | { kind: "jsonpath"; path: string; tolerance: Tolerance }
  | { kind: "oneOf"; values: unknown[] }
  | { kind: "predicate"; describe: string; test: (value: unknown, outputs: Outputs) => boolean };

// ---- probes ------------------------------------------------------------------------------------

/** A figure of the workload's history over a window of the last `windowS` seconds. */
export type WorkloadFigure = "rate" | "okRate" | "errorRate" | "unknownRate" | "p50" | "p95" | "p99" | "max";

export type Probe =
  | {
      kind: "http";
      name: string;
      service: string;
      path: string;
      method?: "GET" | "POST";
      body?: unknown;
      /** Judged on `{status, body}` (body parsed as JSON when it is JSON). */
      tolerance: Tolerance;
      timeoutMs?: number;
    }
  | {
      kind: "metric";
      name: string;
      service: string;
      /** A Prometheus metric name; its samples are summed over series matching `labels`. */
      metric: string;
      labels?: Record<string, string>;
      tolerance: Tolerance;
    }
  | { kind: "sql"; name: string; service: string; query: string; params?: unknown[]; tolerance: Tolerance }
  | { kind: "kafka"; name: string; topic: string; tolerance: Tolerance }
  | { kind: "container"; name: string; container: string; tolerance: Tolerance }
  | { kind: "grpc-health"; name: string; service: string; tolerance: Tolerance }
  | { kind: "workload"; name: string; figure: WorkloadFigure; windowS: number; tolerance: Tolerance };

export type ProbeKind = Probe["kind"];

// ---- faults ------------------------------------------------------------------------------------

/** A fixed name, or one chosen with the run's seed. */
export type Pick = string | { oneOf: string[] };

export type Fault =
  | {
      type: "toxic";
      edge: Pick;
      toxic: ToxicSpec;
      /** Default downstream (responses); both adds one toxic per direction. */
      stream?: ToxicStream | "both";
      /** Probability the toxic applies to a connection (Toxiproxy's toxicity), 0..1. */
      toxicity?: number;
    }
  | { type: "cut"; edge: Pick }
  | {
      /** Every edge between the two groups of services, both directions, cut. */
      type: "partition";
      groups: [string[], string[]];
    }
  | {
      /** A random partition (the nemesis): one edge of `among` cut, chosen with the seed. */
      type: "random-partition";
      among: string[];
    }
  | {
      type: "container";
      target: Pick;
      /** kill: SIGKILL; stop: SIGTERM then stop; pause: freeze (unpause heals); restart: at once. */
      action: "kill" | "stop" | "pause" | "restart";
    };

// ---- the method --------------------------------------------------------------------------------

export type Step =
  | {
      kind: "fault";
      /** Names the fault in the journal and for a later `heal` step. */
      name: string;
      fault: Fault;
      /** Seconds the fault stays in force, then it is healed; omit to heal with a `heal` step. */
      forS?: number;
    }
  | { kind: "heal"; fault: string }
  | { kind: "wait"; seconds: number }
  | {
      /** Poll a probe until it is in tolerance (within `withinS`), or hold it for `holdS`. */
      kind: "expect";
      name: string;
      probe: Probe;
      withinS?: number;
      holdS?: number;
      /** Store the value under this id for later steps. */
      id?: string;
    }
  | { kind: "probe"; id: string; probe: Probe }
  | {
      /** Anything else, with the probe context (e.g. call a service directly and judge it). */
      kind: "action";
      name: string;
      run: (ctx: ProbeContext, outputs: Outputs) => Promise<ActionOutcome>;
      id?: string;
    };

export interface ActionOutcome {
  ok: boolean;
  detail: string;
  value?: unknown;
}

// ---- workload ----------------------------------------------------------------------------------

export type OpOutcome =
  | { type: "ok"; value?: Record<string, unknown> }
  | { type: "fail"; error: string; value?: Record<string, unknown> }
  | { type: "unknown"; error: string; value?: Record<string, unknown> };

export interface Workload {
  description: string;
  /** Operations started per second (open model). */
  rate: number;
  /** At most this many in flight; beyond it an operation is not started and counted dropped. */
  maxInFlight?: number;
  /** Each operation is abandoned (recorded unknown) after this long. */
  timeoutMs?: number;
  /**
   * Operation `i` (0-based) of the workload run `run` (unique per run: use it in idempotency
   * keys, or a repeated scenario meets its earlier orders): what it invoked and what came back.
   * Must not throw.
   */
  op: (
    ctx: ProbeContext,
    op: { i: number; run: string; signal: AbortSignal },
  ) => Promise<OpOutcome & { name?: string }>;
  /** Keep running this many seconds after the method ends (default 2). */
  tailS?: number;
}

// ---- invariants --------------------------------------------------------------------------------

export interface InvariantOutcome {
  status: "held" | "violated" | "unknown";
  detail: string;
  ids?: string[];
  values?: Record<string, unknown>;
  /** Waiting cannot change it (a duplicate stays a duplicate): settle stops polling. */
  final?: boolean;
}

export interface InvariantContext extends ProbeContext {
  history: History;
  /** The load run, when the workload was a load scenario. */
  load?: LoadRun;
  /**
   * Polls `check` until it returns held (or a final violation), or until `withinS` after the heal
   * has passed (at least one attempt); returns its last outcome. The deadline counts from the heal,
   * not from the call: invariants judged one after another share it, as "within N s after heal" says.
   */
  settle: (
    check: () => Promise<InvariantOutcome>,
    opts: { withinS: number; everyMs?: number },
  ) => Promise<InvariantOutcome>;
}

export interface Invariant {
  name: string;
  description: string;
  check: (ctx: InvariantContext) => Promise<InvariantOutcome>;
}

// ---- the scenario ------------------------------------------------------------------------------

export interface ScenarioDefinition {
  title: string;
  description: string;
  tags: string[];
  /**
   * The bugs it must detect: sabotage switch -> the name of the check (an expect step, a steady
   * state probe or an invariant) that must fail when the switch is on.
   */
  catches: Record<string, string>;
  /** Prepare what it touches (seed data), run before the steady state. */
  setup?: (ctx: ProbeContext) => Promise<void>;
  steadyState: Probe[];
  /** Steady state after heal may take a while to come back: poll it this long (default 30 s). */
  recoverWithinS?: number;
  workload?: Workload;
  /**
   * A load scenario (suites/load/<name>.ts) as the workload instead: run by the Go runner inside
   * the stack's network from the start of the method for `durationS`; its per-second series, the
   * fault windows, before/during/after figures and the time to recover go in the journal.
   */
  load?: {
    /**
     * A load scenario's name (suites/load/<name>.ts), or a k6 script (`k6/smoke.js` under
     * suites/load/, or a path): run unchanged with k6's `--duration <durationS>s`, so its own VUs
     * (options.vus) run a constant-vus scenario for the method's length.
     */
    scenario: string;
    /** A declarative scenario's profile; not for a k6 script. */
    profile?: string;
    durationS: number;
    /** A k6 script's extra `__ENV` values (as `-e KEY=VALUE`). */
    env?: Record<string, string>;
  };
  method: Step[];
  invariants: Invariant[];
  /** The whole scenario is aborted past this (a safeguard; default 300 s). */
  timeoutS?: number;
}

export interface Scenario extends ScenarioDefinition {
  /** Named by its file: suites/chaos/<name>.ts. */
  name: string;
  file: string;
}

/** A scenario file's default export. */
export function defineScenario(def: ScenarioDefinition): ScenarioDefinition {
  return def;
}

export type { History, Op };
