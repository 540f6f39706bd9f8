/**
 * The journal: the one contract between the engines (contracts, chaos, load, footprint) and the
 * renderers (HTML, JUnit, summary). Written as `reports/<run-id>/journal.json`, validated with
 * zod on write and on read. Renderers read only journals; they never call Docker, Toxiproxy or a
 * service.
 *
 * Versions: 1 (phases and stack timings only) is read and upgraded; 2 is current. A journal of
 * an unknown version is refused with a message naming it.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export const JOURNAL_VERSION = 2;

const iso = z.string().min(1);
const ms = z.number().finite();

/** After chaostoolkit's journal: completed (held), failed (deviated), aborted, interrupted. */
export const RunStatus = z.enum(["completed", "failed", "aborted", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const PhaseStatus = z.enum(["passed", "failed", "skipped"]);
export type PhaseStatus = z.infer<typeof PhaseStatus>;

export const PhaseItem = z.object({
  name: z.string(),
  status: PhaseStatus,
  detail: z.string().optional(),
  durationMs: ms.optional(),
});
export const Phase = z.object({
  name: z.string(),
  status: PhaseStatus,
  startedAt: iso,
  durationMs: ms,
  detail: z.string(),
  /** Sub-results, e.g. one per test or per service. */
  items: z.array(PhaseItem).optional(),
});
export type Phase = z.infer<typeof Phase>;

export const ContainerTiming = z.object({
  name: z.string(),
  createdAt: iso,
  startedAt: iso,
  readyAt: iso,
  createdToStartedMs: ms,
  startedToReadyMs: ms,
  createdToReadyMs: ms,
});
export const StackTimings = z.object({
  startedAt: iso,
  readyAt: iso,
  totalMs: ms,
  containers: z.array(ContainerTiming),
});

// ---- contracts -------------------------------------------------------------------------------

export const Mismatch = z.object({
  /** Where in the message: `$.body.items[0].sku`, `header content-type`, `status`. */
  path: z.string(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  message: z.string(),
});
export const ContractInteraction = z.object({
  consumer: z.string(),
  provider: z.string(),
  /** "a request to create an order" */
  description: z.string(),
  kind: z.enum(["http", "message", "grpc"]),
  /** consumer = the consumer test wrote it; provider = it was verified against the provider. */
  side: z.enum(["consumer", "provider"]),
  providerStates: z.array(z.string()).default([]),
  status: PhaseStatus,
  durationMs: ms.optional(),
  mismatches: z.array(Mismatch).default([]),
});
export type ContractInteraction = z.infer<typeof ContractInteraction>;
export const ContractsSection = z.object({
  status: PhaseStatus,
  pacts: z.array(z.object({ consumer: z.string(), provider: z.string(), file: z.string().optional() })),
  interactions: z.array(ContractInteraction),
  detail: z.string().optional(),
});

// ---- load (per-second series; shared by load runs and chaos workloads) -----------------------

/** Latency figures in milliseconds. */
export const Percentiles = z.object({
  min: ms,
  avg: ms,
  med: ms,
  p90: ms,
  p95: ms,
  p99: ms,
  max: ms,
});
export type Percentiles = z.infer<typeof Percentiles>;

/** One second of traffic (a load run's or a chaos workload's). `t` is the second's start. */
export const SecondSample = z.object({
  t: iso,
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  /** The request failed for sure (an error answer). */
  fail: z.number().int().nonnegative(),
  /** The outcome is unknown: timeout, reset, no answer. */
  unknown: z.number().int().nonnegative(),
  /** Arrival-rate executors: iterations the runner could not start in time. */
  dropped: z.number().int().nonnegative().default(0),
  /** Status code (HTTP, or gRPC code name) -> count. */
  codes: z.record(z.string(), z.number().int().nonnegative()).default({}),
  latencyMs: Percentiles.optional(),
  bytesIn: z.number().nonnegative().default(0),
  bytesOut: z.number().nonnegative().default(0),
  /** Virtual users busy (closed model) or in flight (open model). */
  vus: z.number().nonnegative().optional(),
});
export type SecondSample = z.infer<typeof SecondSample>;

/** A window in which a fault was in force: drawn shaded on every time axis. */
export const FaultWindow = z.object({
  id: z.string(),
  /** "latency 3000 ms on orders->payments (downstream)" */
  label: z.string(),
  start: iso,
  end: iso.optional(),
});
export type FaultWindow = z.infer<typeof FaultWindow>;

export const Threshold = z.object({
  metric: z.string(),
  expression: z.string(),
  observed: z.number().nullable(),
  ok: z.boolean(),
  abortOnFail: z.boolean().default(false),
});
export type Threshold = z.infer<typeof Threshold>;

export const MetricSummary = z.object({
  type: z.enum(["counter", "gauge", "rate", "trend"]),
  /** counter: count, rate; rate: rate, passes, fails; trend: avg, min, med, max, p(90), p(95), p(99). */
  values: z.record(z.string(), z.number()),
});

export const WindowFigures = z.object({
  rps: z.number(),
  errorRate: z.number(),
  p95: z.number().nullable(),
});

export const LoadRun = z.object({
  name: z.string(),
  file: z.string().optional(),
  profile: z.string().optional(),
  executor: z.string(),
  startedAt: iso,
  endedAt: iso,
  status: z.enum(["passed", "failed", "aborted", "interrupted"]),
  detail: z.string().optional(),
  series: z.array(SecondSample),
  /** Per request name (create_order, get_order, ...): totals and latency. */
  requests: z.array(
    z.object({
      name: z.string(),
      protocol: z.enum(["http", "grpc"]),
      count: z.number(),
      failed: z.number(),
      latencyMs: Percentiles.optional(),
    }),
  ),
  thresholds: z.array(Threshold),
  metrics: z.record(z.string(), MetricSummary),
  faultWindows: z.array(FaultWindow).default([]),
  /** Load during chaos: figures before, during and after the faults, and the time to recover. */
  windows: z.object({ before: WindowFigures, during: WindowFigures, after: WindowFigures }).optional(),
  recoveryMs: z.number().nullable().optional(),
  baseline: z
    .object({
      runId: z.string(),
      comparisons: z.array(
        z.object({
          figure: z.string(),
          baseline: z.number(),
          current: z.number(),
          tolerance: z.string(),
          ok: z.boolean(),
        }),
      ),
    })
    .optional(),
});
export type LoadRun = z.infer<typeof LoadRun>;

// ---- chaos -----------------------------------------------------------------------------------

export const ProbeResult = z.object({
  name: z.string(),
  /** http, metric, sql, kafka, container, workload */
  kind: z.string(),
  /** What it read: a status, a JSON value, a metric's value, rows. */
  value: z.unknown().optional(),
  /** The tolerance in words: "= 200", "in [0, 1]", "matches /ready/". */
  tolerance: z.string(),
  ok: z.boolean(),
  /** The probe could not run (as opposed to ran and was out of tolerance). */
  error: z.string().optional(),
  at: iso,
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const SteadyState = z.object({ met: z.boolean(), probes: z.array(ProbeResult) });
export type SteadyState = z.infer<typeof SteadyState>;

export const StepResult = z.object({
  name: z.string(),
  kind: z.enum(["fault", "heal", "wait", "probe", "expect", "action"]),
  startedAt: iso,
  endedAt: iso,
  status: z.enum(["ok", "failed", "error", "skipped"]),
  detail: z.string(),
  /** What a probe or fault returned (e.g. when it was in force). */
  output: z.unknown().optional(),
});
export type StepResult = z.infer<typeof StepResult>;

export const FaultRecord = FaultWindow.extend({
  kind: z.string(),
  target: z.string(),
  /** The call to inject it was made / it was verified in force. */
  requestedAt: iso,
  activeAt: iso.optional(),
  /** From the heal call to the steady state holding again (null when it did not come back). */
  recoveryMs: z.number().nullable().optional(),
});
export type FaultRecord = z.infer<typeof FaultRecord>;

export const Rollback = z.object({
  fault: z.string(),
  startedAt: iso,
  endedAt: iso,
  status: z.enum(["ok", "failed"]),
  detail: z.string(),
});
export type Rollback = z.infer<typeof Rollback>;

export const InvariantResult = z.object({
  name: z.string(),
  description: z.string(),
  /** held, violated, or unknown (it could not be decided: counted as not held). */
  status: z.enum(["held", "violated", "unknown"]),
  detail: z.string(),
  /** The order IDs, event IDs, values that break it. */
  evidence: z
    .object({
      ids: z.array(z.string()).default([]),
      values: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ ids: [], values: {} }),
});
export type InvariantResult = z.infer<typeof InvariantResult>;

export const Failure = z.object({ check: z.string(), evidence: z.string() });
export type Failure = z.infer<typeof Failure>;

export const WorkloadSummary = z.object({
  description: z.string(),
  invoked: z.number().int(),
  ok: z.number().int(),
  fail: z.number().int(),
  unknown: z.number().int(),
  series: z.array(SecondSample),
  latencyMs: Percentiles.optional(),
});

/** One span of a trace as the backend's query API returned it (src/trace/model.ts), for the waterfall. */
export const TraceSpan = z.object({
  spanId: z.string(),
  parentId: z.string().optional(),
  service: z.string(),
  name: z.string(),
  kind: z.string().optional(),
  /** Microseconds since the epoch, and long. */
  startUs: z.number(),
  durationUs: z.number().nonnegative(),
  error: z.boolean().default(false),
});
export type TraceSpan = z.infer<typeof TraceSpan>;

/** A trace kept as evidence: of an observed request, or of an order that broke an invariant. */
export const TraceRecord = z.object({
  traceId: z.string(),
  /** Why it is here: "observed request", or the order id it belongs to. */
  label: z.string(),
  /** The order ids it shows (to link the evidence of invariants to it). */
  orderIds: z.array(z.string()).default([]),
  spans: z.array(TraceSpan),
  /** The service where the trace breaks, when it does. */
  brokenAt: z.string().optional(),
  problems: z.array(z.string()).default([]),
});
export type TraceRecord = z.infer<typeof TraceRecord>;

export const ScenarioResult = z.object({
  name: z.string(),
  title: z.string(),
  file: z.string(),
  tags: z.array(z.string()),
  catches: z.array(z.string()),
  /** Sabotage switches that were on while it ran (verify-detection, --sabotage). */
  sabotage: z.array(z.string()).default([]),
  seed: z.number().int(),
  attempt: z.number().int().default(1),
  status: RunStatus,
  deviated: z.boolean(),
  /** Set when repeated runs of the scenario disagreed. */
  flaky: z.boolean().optional(),
  startedAt: iso,
  endedAt: iso,
  durationMs: ms,
  steadyStateBefore: SteadyState.optional(),
  steadyStateAfter: SteadyState.optional(),
  steps: z.array(StepResult),
  faults: z.array(FaultRecord),
  rollbacks: z.array(Rollback),
  invariants: z.array(InvariantResult),
  workload: WorkloadSummary.optional(),
  /** A load scenario run as the workload. */
  load: LoadRun.optional(),
  failures: z.array(Failure),
  /** Why it aborted: the safeguard, or the harness error. */
  reason: z.string().optional(),
  /** Traces from the target's trace backend (when it exports traces): observed ones, failed orders'. */
  traces: z.array(TraceRecord).optional(),
});
export type ScenarioResult = z.infer<typeof ScenarioResult>;

export const DetectionCell = z.object({
  scenario: z.string(),
  /** "none" is the correct target. */
  switch: z.string(),
  expected: z.enum(["hold", "deviate"]),
  status: RunStatus,
  deviated: z.boolean(),
  /** The check that deviated, if any. */
  reason: z.string().optional(),
  /** The outcome is what was expected (and, for a catch, for the reason the scenario names). */
  ok: z.boolean(),
});
export type DetectionCell = z.infer<typeof DetectionCell>;
export const DetectionMatrix = z.object({
  scenarios: z.array(z.string()),
  switches: z.array(z.string()),
  cells: z.array(DetectionCell),
  /** Switches no scenario claims to catch (outside chaos: contracts, tracing). */
  uncovered: z.array(z.string()).default([]),
});
export type DetectionMatrix = z.infer<typeof DetectionMatrix>;

/** Fault coverage (faultline chaos coverage): edges and containers × fault kinds, from the manifest. */
export const CoverageCell = z.object({
  fault: z.string(),
  /** Scenarios that inject this fault here. */
  scenarios: z.array(z.string()),
  /** Invariants those scenarios judge. */
  invariants: z.array(z.string()),
});
export const CoverageRow = z.object({
  subject: z.string(),
  kind: z.enum(["edge", "container"]),
  /** The caller's deadline over the edge (manifest `deadline`), null when not declared. */
  deadlineMs: z.number().nullable().optional(),
  cells: z.array(CoverageCell),
});
export const CoverageMatrix = z.object({
  edgeFaults: z.array(z.string()),
  containerFaults: z.array(z.string()),
  /** The cells the manifest-driven default fills. */
  required: z.object({ edge: z.array(z.string()), container: z.array(z.string()) }),
  rows: z.array(CoverageRow),
});
export type CoverageMatrix = z.infer<typeof CoverageMatrix>;

export const ChaosSection = z.object({
  scenarios: z.array(ScenarioResult),
  detection: DetectionMatrix.optional(),
  coverage: CoverageMatrix.optional(),
});

// ---- footprint and claims --------------------------------------------------------------------

export const FootprintService = z.object({
  name: z.string(),
  imageBytes: z.number().optional(),
  imageCompressedBytes: z.number().optional(),
  startToReadyMs: z
    .object({ median: z.number(), p90: z.number(), min: z.number(), max: z.number(), samples: z.number() })
    .optional(),
  memory: z
    .object({
      idleBytes: z.number().optional(),
      loadBytes: z.number().optional(),
      idleRssBytes: z.number().optional(),
      loadRssBytes: z.number().optional(),
    })
    .optional(),
});
export const Claim = z.object({
  claim: z.string(),
  measured: z.string(),
  held: z.boolean().nullable(),
  detail: z.string().optional(),
});
export const FootprintSection = z.object({
  services: z.array(FootprintService),
  claims: z.array(Claim),
  comparisons: z
    .array(z.object({ name: z.string(), figures: z.record(z.string(), z.union([z.number(), z.string()])) }))
    .default([]),
});

// ---- mutation (faultline mutate) ---------------------------------------------------------------
// Added in journal version 2 without a version change: an optional section that older readers
// ignore. Its own `schema` number versions its shape.

export const MUTATION_SCHEMA = 1;

export const MutantStatus = z.enum([
  /** A unit test of the service failed (`go test -short`): not run against the catalog. */
  "killed-unit",
  /** A scenario of the catalog deviated on a check or an invariant. */
  "killed",
  /** The service never became ready with the mutant (its readiness check caught it). */
  "killed-startup",
  "survived",
  /** Past its time budget before any scenario deviated. */
  "timeout",
  /** Judged equivalent in mutate.yaml: shown apart, never counted. */
  "equivalent",
  /** It does not build (go build failed): not a mutant of the program. */
  "not-built",
  /** The harness broke (image build, swap, a scenario aborted): not counted. */
  "harness-error",
  /** Not reached within the run's budget. */
  "not-run",
]);
export type MutantStatus = z.infer<typeof MutantStatus>;

export const MutantScenarioRun = z.object({
  scenario: z.string(),
  status: RunStatus,
  deviated: z.boolean(),
  durationMs: ms,
  /** The checks that deviated (killed), or why it aborted. */
  failures: z.array(Failure).default([]),
  reason: z.string().optional(),
});
export type MutantScenarioRun = z.infer<typeof MutantScenarioRun>;

export const MutantResult = z.object({
  id: z.string(),
  service: z.string(),
  operator: z.string(),
  package: z.string(),
  file: z.string(),
  line: z.number().int(),
  function: z.string().optional(),
  original: z.string(),
  mutated: z.string(),
  diff: z.string(),
  /** The property no scenario checks, when it survived. */
  hint: z.string(),
  status: MutantStatus,
  /** One line: what killed it (the test, the scenario and check), or why it was not counted. */
  detail: z.string().default(""),
  /** The reason given in mutate.yaml for an equivalent mutant. */
  equivalentReason: z.string().optional(),
  scenarios: z.array(MutantScenarioRun).default([]),
  durationMs: ms.default(0),
});
export type MutantResult = z.infer<typeof MutantResult>;

export const MutationScore = z.object({
  /** A service name, an operator name, or "all". */
  name: z.string(),
  killed: z.number().int(),
  killedByUnitTests: z.number().int(),
  survived: z.number().int(),
  timeout: z.number().int(),
  equivalent: z.number().int(),
  notCounted: z.number().int(),
  /** killed / (killed + survived), unit-test kills included; null with nothing counted. */
  score: z.number().nullable(),
  /** Of the mutants unit tests did not kill: catalog kills / (catalog kills + survived). */
  catalogScore: z.number().nullable(),
});
export type MutationScore = z.infer<typeof MutationScore>;

export const MutationSection = z.object({
  schema: z.literal(MUTATION_SCHEMA),
  seed: z.number().int(),
  budgetMs: ms,
  /** Mutants generated before any selection, per service. */
  generated: z.record(z.string(), z.number().int()),
  /** The scenarios run on the correct target first, per service: those that held are the catalog. */
  baseline: z.array(MutantScenarioRun.extend({ service: z.string() })).default([]),
  mutants: z.array(MutantResult),
  byService: z.array(MutationScore),
  byOperator: z.array(MutationScore),
  total: MutationScore,
});
export type MutationSection = z.infer<typeof MutationSection>;

// ---- the journal -----------------------------------------------------------------------------

export const Journal = z.object({
  version: z.literal(JOURNAL_VERSION),
  runId: z.string(),
  target: z.string(),
  command: z.string(),
  startedAt: iso,
  endedAt: iso,
  status: RunStatus,
  /** The stack driver the run's target ran on (docker, kubernetes); absent: no stack, or an older journal. */
  driver: z.string().optional(),
  /** Why the run as a whole failed, aborted or was interrupted. */
  reason: z.string().optional(),
  phases: z.array(Phase),
  stack: StackTimings.optional(),
  contracts: ContractsSection.optional(),
  chaos: ChaosSection.optional(),
  load: z.object({ runs: z.array(LoadRun) }).optional(),
  footprint: FootprintSection.optional(),
  mutation: MutationSection.optional(),
});
export type Journal = z.infer<typeof Journal>;
export type JournalInput = z.input<typeof Journal>;

export class JournalError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = "JournalError";
  }
}

/** Upgrades an older journal to the current version, or refuses it naming the version. */
export function parseJournal(raw: unknown, file = "journal.json"): Journal {
  const version = (raw as { version?: unknown } | null)?.version;
  let input = raw;
  if (version === 1) input = { ...(raw as object), version: JOURNAL_VERSION };
  else if (version !== JOURNAL_VERSION)
    throw new JournalError(
      file,
      `${file}: journal version ${JSON.stringify(version)} is not supported (this faultline reads versions 1 and ${JOURNAL_VERSION}); re-run to write a current journal`,
    );
  const r = Journal.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new JournalError(file, `${file}: not a valid faultline journal: ${issues}`);
  }
  return r.data;
}

export async function readJournal(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new JournalError(file, `${file}: cannot read the journal: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JournalError(file, `${file}: not JSON: ${(err as Error).message}`);
  }
  return parseJournal(raw, file);
}

/** Validates and writes `<dir>/journal.json`; an engine's malformed journal fails here, not in a renderer. */
export async function writeJournal(dir: string, journal: JournalInput): Promise<string> {
  const parsed = Journal.parse(journal);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "journal.json");
  await writeFile(file, `${JSON.stringify(parsed, null, 2)}\n`);
  return file;
}
