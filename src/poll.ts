/**
 * Waiting on a condition with a deadline, one way for the whole harness: never a fixed sleep in
 * place of a condition, never a loop of its own.
 */

/** Waits `ms`; with a signal, rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface PollOptions {
  /** How long to keep trying, from the first attempt. */
  timeoutMs: number;
  /** The pause between attempts. */
  intervalMs: number;
  /** Stops the wait at once (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface PollResult<T> {
  /** The last attempt's value. */
  value: T;
  /** Whether `done` held for it (false: the deadline passed first). */
  done: boolean;
  /** Date.now() when the last attempt returned. */
  at: number;
}

/**
 * Calls `attempt` until `done(value)` holds or the deadline passes, pausing `intervalMs` between
 * attempts; the attempt that reaches the deadline is the last (with a timeout of 0, the only one). Never throws on a timeout: the
 * result says whether it was met, and the caller says what a timeout means. An attempt that
 * throws stops the wait (catch inside `attempt` to keep trying).
 */
export async function pollUntil<T>(
  attempt: () => Promise<T> | T,
  done: (value: T) => boolean,
  opts: PollOptions,
): Promise<PollResult<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await attempt();
    const at = Date.now();
    if (done(value)) return { value, done: true, at };
    if (at >= deadline) return { value, done: false, at };
    await sleep(opts.intervalMs, opts.signal);
  }
}

/** Waits until `check` returns true; throws `${what} after N ms` when the deadline passes first. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  opts: PollOptions,
): Promise<void> {
  const r = await pollUntil(check, (ok) => ok, opts);
  if (!r.done) throw new PollTimeoutError(what, opts.timeoutMs);
}

/** A condition did not hold before its deadline: names it and the limit. */
export class PollTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what} after ${timeoutMs} ms`);
    this.name = "PollTimeoutError";
  }
}
