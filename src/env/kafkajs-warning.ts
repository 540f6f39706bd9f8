/**
 * kafkajs 2.2.4 (the latest) schedules its request queue's check with
 * `setTimeout(fn, throttledUntil - Date.now())` where `throttledUntil` is -1 when nothing is
 * throttled (src/network/requestQueue/index.js, scheduleCheckPendingRequests): a delay of about
 * -1.7e12 ms, which every Node version clamps to 1 ms, so the queue is checked a millisecond
 * later, as kafkajs means it to be. Node 24 adds a TimeoutNegativeWarning for it on every
 * connection (kafkajs issue #1751, open; its fix is unreleased), which reads like a fault in the
 * middle of a chaos run. This drops that one warning, when the stack says it comes from kafkajs's
 * request queue, and passes every other warning on unchanged.
 */
const INSTALLED = Symbol.for("faultline.kafkajsTimeoutWarningFilter");

export function isKafkajsNegativeTimeout(warning: unknown, type?: unknown): boolean {
  const name = warning instanceof Error ? warning.name : typeof type === "string" ? type : undefined;
  if (name !== "TimeoutNegativeWarning") return false;
  const stack = warning instanceof Error ? (warning.stack ?? "") : (new Error().stack ?? "");
  return /kafkajs[\\/]src[\\/]network[\\/]requestQueue/.test(stack);
}

export function filterKafkajsNegativeTimeoutWarning(): void {
  const p = process as NodeJS.Process & { [INSTALLED]?: boolean };
  if (p[INSTALLED]) return;
  p[INSTALLED] = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: unknown, ...rest: unknown[]) => {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (isKafkajsNegativeTimeout(warning, type)) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
