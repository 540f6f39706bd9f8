/**
 * What one scenario run records as it goes (after chaostoolkit-lib's journal): steps, faults,
 * rollbacks, invariants, failures, the faults in force and the outputs of earlier steps; the
 * run's own signal (operator or safeguard), and the events it sends to observers, which never
 * throw into the run.
 */
import type {
  FaultRecord,
  InvariantResult,
  ProbeResult,
  Rollback,
  ScenarioResult,
  StepResult,
} from "../report/journal.ts";
import { FaultError, type ActiveFault } from "./faults.ts";
import type { Scenario } from "./model.ts";

export type RunEvent =
  | { type: "scenario"; name: string; title: string; attempt: number; sabotage: string[] }
  | { type: "step"; name: string; text: string; ok: boolean | undefined }
  | { type: "result"; result: ScenarioResult };

export interface RunOptions {
  seed: number;
  sabotage?: string[];
  attempt?: number;
  /** Aborting it interrupts the run: the method stops, rollbacks run, status interrupted. */
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}

export class InterruptedError extends Error {
  constructor() {
    super("interrupted by the operator");
    this.name = "InterruptedError";
  }
}
export class SafeguardError extends Error {}

export const iso = (t: number) => new Date(t).toISOString();

export const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

export function probeEvidence(r: ProbeResult): string {
  return r.error
    ? `${r.name}: could not read: ${r.error}`
    : `${r.name}: ${show(r.value)}, expected ${r.tolerance}`;
}

export class RunState {
  readonly steps: StepResult[] = [];
  readonly faults: FaultRecord[] = [];
  readonly rollbacks: Rollback[] = [];
  readonly invariants: InvariantResult[] = [];
  readonly failures: { check: string; evidence: string }[] = [];
  readonly active = new Map<string, { fault: ActiveFault; record: FaultRecord }>();
  readonly pendingHeals: Promise<void>[] = [];
  readonly outputs: Record<string, unknown> = {};
  /** The run's own signal: the operator's (interrupted) or the safeguard's (aborted). */
  readonly signal: AbortSignal;
  private readonly ctrl = new AbortController();
  private readonly safeguard: NodeJS.Timeout;
  private readonly onOperator = () => this.ctrl.abort(new InterruptedError());

  constructor(
    readonly s: Scenario,
    readonly opts: RunOptions,
  ) {
    const safeguardMs = (s.timeoutS ?? 300) * 1000;
    if (opts.signal?.aborted) this.onOperator();
    opts.signal?.addEventListener("abort", this.onOperator, { once: true });
    this.safeguard = setTimeout(
      () =>
        this.ctrl.abort(
          new SafeguardError(`safeguard: the scenario ran longer than ${safeguardMs / 1000} s`),
        ),
      safeguardMs,
    );
    this.signal = this.ctrl.signal;
  }

  /** Stops the safeguard and forgets the operator's signal (the run is over). */
  release(): void {
    clearTimeout(this.safeguard);
    this.opts.signal?.removeEventListener("abort", this.onOperator);
  }

  emit(e: RunEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // observers never throw into the run
    }
  }

  say(text: string, ok: boolean | undefined): void {
    this.emit({ type: "step", name: this.s.name, text, ok });
  }

  step(r: Omit<StepResult, "endedAt"> & { endedAt?: string }): void {
    const full: StepResult = { ...r, endedAt: r.endedAt ?? new Date().toISOString() };
    this.steps.push(full);
    this.say(
      `${full.kind} ${full.name}: ${full.detail}`,
      full.status === "ok" ? true : full.status === "failed" || full.status === "error" ? false : undefined,
    );
  }

  /** Heals a fault in force: as a method step, or as a rollback. */
  async heal(name: string, asRollback: boolean): Promise<void> {
    const a = this.active.get(name);
    if (!a) return;
    this.active.delete(name);
    const started = Date.now();
    const record = (status: "ok" | "failed", detail: string) =>
      this.rollbacks.push({ fault: name, startedAt: iso(started), endedAt: iso(Date.now()), status, detail });
    try {
      const detail = await a.fault.heal();
      a.record.end = iso(Date.now());
      if (asRollback) record("ok", detail);
      else this.step({ name, kind: "heal", startedAt: iso(started), status: "ok", detail });
    } catch (err) {
      a.record.end = iso(Date.now());
      const detail = `could not heal ${a.fault.label}: ${(err as Error).message}`;
      if (asRollback) record("failed", detail);
      else this.step({ name, kind: "heal", startedAt: iso(started), status: "error", detail });
      throw new FaultError(detail);
    }
  }
}
