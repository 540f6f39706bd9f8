/**
 * The workload's history (after Jepsen): every operation it invoked, when, and what came back:
 * ok, fail (it surely did not happen) or unknown (a timeout, a reset: it may have happened).
 * Figures over windows and per-second series come from here; invariants are judged on it.
 */
import type { Percentiles, SecondSample } from "../report/journal.ts";
import { quantile } from "../statistics.ts";

export interface Op {
  index: number;
  name: string;
  invokedAt: number;
  completedAt: number;
  type: "ok" | "fail" | "unknown";
  error?: string;
  /** What the operation learned (an order ID, a status, the key it used). */
  value: Record<string, unknown>;
}

export interface History {
  ops: readonly Op[];
  dropped: readonly number[];
}

export const latency = (op: Op): number => op.completedAt - op.invokedAt;

/** Nearest-rank percentiles of a list of latencies (ms); undefined when empty. */
export function percentiles(values: number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  const at = (q: number) => round(quantile(s, q));
  return {
    min: round(s[0]!),
    avg: round(values.reduce((a, b) => a + b, 0) / values.length),
    med: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    max: round(s[s.length - 1]!),
  };
}

/** Per-second samples from `from` to `to` (ms epoch), bucketed by completion time. */
export function perSecond(h: History, from: number, to: number): SecondSample[] {
  const start = Math.floor(from / 1000) * 1000;
  const out: SecondSample[] = [];
  for (let t = start; t < to; t += 1000) {
    const ops = h.ops.filter((o) => o.completedAt >= t && o.completedAt < t + 1000);
    const codes: Record<string, number> = {};
    for (const o of ops) {
      const code = String(o.value.code ?? o.type);
      codes[code] = (codes[code] ?? 0) + 1;
    }
    out.push({
      t: new Date(t).toISOString(),
      requests: ops.length,
      ok: ops.filter((o) => o.type === "ok").length,
      fail: ops.filter((o) => o.type === "fail").length,
      unknown: ops.filter((o) => o.type === "unknown").length,
      dropped: h.dropped.filter((d) => d >= t && d < t + 1000).length,
      codes,
      latencyMs: percentiles(ops.map(latency)),
      bytesIn: 0,
      bytesOut: 0,
    });
  }
  return out;
}

export type Figure = "rate" | "okRate" | "errorRate" | "unknownRate" | "p50" | "p95" | "p99" | "max";

/** A figure over the operations completed in the last `windowS` seconds before `now`. */
export function figure(h: History, f: Figure, windowS: number, now = Date.now()): number | undefined {
  const ops = h.ops.filter((o) => o.completedAt > now - windowS * 1000 && o.completedAt <= now);
  if (f === "rate") return ops.length / windowS;
  if (ops.length === 0) return undefined;
  const share = (type: Op["type"]) => ops.filter((o) => o.type === type).length / ops.length;
  switch (f) {
    case "okRate":
      return share("ok");
    case "errorRate":
      return share("fail");
    case "unknownRate":
      return share("unknown");
    default: {
      const p = percentiles(ops.map(latency))!;
      return { p50: p.med, p95: p.p95, p99: p.p99, max: p.max }[f];
    }
  }
}

/** What the system's final state says about one element the history touched. */
export type Finding = "present" | "absent";

export interface SetCheck {
  /** ok and present. */
  ok: string[];
  /** acknowledged (ok) but absent from the final state. */
  lost: string[];
  /** present although the operation surely failed. */
  unexpected: string[];
  /** outcome unknown, and present: it did take effect. */
  recovered: string[];
  /** outcome unknown, and absent: it did not. */
  unrecovered: string[];
  valid: boolean;
}

/**
 * Jepsen's set checker: each operation adds one element (its key); the final state says which
 * keys are present. An acknowledged add that is absent is lost; a failed add that is present is
 * unexpected; unknown outcomes are settled by the final state, never assumed either way.
 */
export function checkSet(ops: readonly Op[], keyOf: (op: Op) => string, present: Set<string>): SetCheck {
  const r: SetCheck = { ok: [], lost: [], unexpected: [], recovered: [], unrecovered: [], valid: true };
  for (const op of ops) {
    const key = keyOf(op);
    const here = present.has(key);
    if (op.type === "ok") (here ? r.ok : r.lost).push(key);
    else if (op.type === "fail") {
      if (here) r.unexpected.push(key);
    } else (here ? r.recovered : r.unrecovered).push(key);
  }
  r.valid = r.lost.length === 0 && r.unexpected.length === 0;
  return r;
}

/** Combined validity (Jepsen): violated beats unknown beats held. */
export function combine(...statuses: ("held" | "violated" | "unknown")[]): "held" | "violated" | "unknown" {
  if (statuses.includes("violated")) return "violated";
  if (statuses.includes("unknown")) return "unknown";
  return "held";
}
