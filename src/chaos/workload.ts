/**
 * Drives a scenario's workload at a fixed arrival rate (open model) until stopped, recording
 * every operation into the history. Bounded: at most `maxInFlight` operations at once (beyond it
 * an arrival is dropped and counted), each abandoned as unknown after `timeoutMs`.
 */
import type { Op } from "./history.ts";
import type { Workload } from "./model.ts";
import type { ProbeContext } from "./probe-context.ts";

export class WorkloadDriver {
  readonly ops: Op[] = [];
  readonly dropped: number[] = [];
  private inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly abort = new AbortController();
  startedAt = 0;

  constructor(
    private readonly w: Workload,
    private readonly ctx: ProbeContext,
    /** Hard bound on operations, whatever the duration. */
    private readonly maxOps = 100_000,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    const intervalMs = 1000 / this.w.rate;
    let next = 0;
    const tick = () => {
      if (this.stopped) return;
      const due = Math.floor((Date.now() - this.startedAt) / intervalMs) + 1;
      while (next < due && next < this.maxOps) this.launch(next++);
      this.timer = setTimeout(tick, Math.max(5, intervalMs / 2));
    };
    tick();
  }

  private launch(i: number): void {
    if (this.inFlight.size >= (this.w.maxInFlight ?? 64)) {
      this.dropped.push(Date.now());
      return;
    }
    const invokedAt = Date.now();
    const timeout = AbortSignal.timeout(this.w.timeoutMs ?? 10_000);
    const signal = AbortSignal.any([timeout, this.abort.signal]);
    const p = (async () => {
      let op: Op;
      try {
        const r = await Promise.race([
          this.w.op(this.ctx, i, signal),
          new Promise<never>((_, reject) =>
            signal.addEventListener("abort", () => reject(new Error("abandoned: no answer in time")), {
              once: true,
            }),
          ),
        ]);
        op = {
          index: i,
          name: r.name ?? "op",
          invokedAt,
          completedAt: Date.now(),
          type: r.type,
          error: r.type === "ok" ? undefined : r.error,
          value: r.value ?? {},
        };
      } catch (err) {
        op = {
          index: i,
          name: "op",
          invokedAt,
          completedAt: Date.now(),
          type: "unknown",
          error: (err as Error).message,
          value: {},
        };
      }
      this.ops.push(op);
    })();
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Stops starting operations and waits for those in flight (each is bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Abandons what is in flight at once (interruption). */
  async abandon(): Promise<void> {
    this.abort.abort();
    await this.stop();
  }
}
