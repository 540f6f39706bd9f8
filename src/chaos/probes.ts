/** Runs one probe against the system and judges its value against the probe's tolerance. */
import type { ProbeResult } from "../report/journal.ts";
import type { Outputs, Probe } from "./model.ts";
import type { ProbeContext } from "./probe-context.ts";
import { describeTolerance, withinTolerance } from "./tolerance.ts";

/** What a probe reads; throws when it cannot read it (an error, not an out-of-tolerance value). */
export async function readProbe(p: Probe, ctx: ProbeContext): Promise<unknown> {
  switch (p.kind) {
    case "http": {
      const a = await ctx.http(p.service, p.path, { method: p.method, body: p.body, timeoutMs: p.timeoutMs });
      return { status: a.status, body: a.body, headers: a.headers };
    }
    case "metric":
      return (await ctx.metric(p.service, p.metric, p.labels)) ?? null;
    case "sql": {
      const rows = await ctx.sql(p.service, p.query, p.params);
      const first = rows[0];
      if (!first) return null;
      const cols = Object.values(first);
      return rows.length === 1 && cols.length === 1 ? normalise(cols[0]) : rows;
    }
    case "kafka":
      return ctx.kafkaMessages(p.topic);
    case "container":
      return ctx.containerState(p.container);
    case "grpc-health":
      return ctx.grpcHealth(p.service);
    case "workload":
      return ctx.workloadFigure(p.figure, p.windowS) ?? null;
  }
}

/** pg returns bigint and numeric as strings: give numbers where they are numbers. */
function normalise(v: unknown): unknown {
  return typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

export function probeTarget(p: Probe): string {
  switch (p.kind) {
    case "http":
      return `${p.method ?? "GET"} ${p.service}${p.path}`;
    case "metric":
      return `${p.service} ${p.metric}${p.labels ? JSON.stringify(p.labels) : ""}`;
    case "sql":
      return `${p.service} db: ${p.query}`;
    case "kafka":
      return `kafka topic ${p.topic}`;
    case "container":
      return `container ${p.container}`;
    case "grpc-health":
      return `${p.service} grpc.health.v1`;
    case "workload":
      return `workload ${p.figure} over ${p.windowS} s`;
  }
}

export async function runProbe(p: Probe, ctx: ProbeContext, outputs: Outputs = {}): Promise<ProbeResult> {
  const at = new Date().toISOString();
  const tolerance = describeTolerance(p.tolerance);
  try {
    const value = await readProbe(p, ctx);
    return {
      name: p.name,
      kind: p.kind,
      value: compact(value),
      tolerance,
      ok: withinTolerance(p.tolerance, value, outputs),
      at,
    };
  } catch (err) {
    return { name: p.name, kind: p.kind, tolerance, ok: false, error: (err as Error).message, at };
  }
}

/** Keeps journal entries small: long bodies are cut. */
function compact(v: unknown): unknown {
  const s = JSON.stringify(v);
  if (s === undefined || s.length <= 2000) return v;
  return `${s.slice(0, 2000)}… (${s.length} chars)`;
}
