/**
 * Faults: injected, verified in force (the toxic is listed, the edge disabled, the container's
 * state changed), and healed. Every fault returns its heal; the runner calls it in a finally.
 */
import { pollUntil } from "../poll.ts";
import type { Fault, Pick } from "./model.ts";
import type { ChaosTarget } from "./target.ts";

export interface ActiveFault {
  /** "latency 3000 ms on orders->payments (downstream)" */
  label: string;
  kind: string;
  target: string;
  heal: () => Promise<string>;
}

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultError";
  }
}

export function choose(p: Pick, random: () => number): string {
  if (typeof p === "string") return p;
  if (p.oneOf.length === 0) throw new FaultError("oneOf lists nothing to choose from");
  return p.oneOf[Math.floor(random() * p.oneOf.length)]!;
}

/** The edges between two groups of services, both directions. */
export function partitionEdges(t: ChaosTarget, groups: [string[], string[]]): string[] {
  const [a, b] = groups;
  return t.manifest.edges
    .filter((e) => (a.includes(e.from) && b.includes(e.to)) || (b.includes(e.from) && a.includes(e.to)))
    .map((e) => e.name);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const r = await pollUntil(check, (ok) => ok, { timeoutMs, intervalMs: 100 });
  if (!r.done) throw new FaultError(`${what}: not in force after ${timeoutMs} ms`);
}

function describeToxic(f: Extract<Fault, { type: "toxic" }>, edge: string): string {
  const a = f.toxic.attributes as Record<string, number>;
  const what =
    f.toxic.type === "latency"
      ? `latency ${a.latency} ms${a.jitter ? ` ±${a.jitter}` : ""}`
      : f.toxic.type === "bandwidth"
        ? `bandwidth ${a.rate} KB/s`
        : f.toxic.type === "timeout"
          ? `timeout ${a.timeout} ms`
          : f.toxic.type === "reset_peer"
            ? `reset_peer after ${a.timeout} ms`
            : f.toxic.type === "limit_data"
              ? `limit_data ${a.bytes} B`
              : f.toxic.type === "slow_close"
                ? `slow_close ${a.delay} ms`
                : `slicer ${a.average_size} B`;
  const tox = f.toxicity !== undefined && f.toxicity < 1 ? `, toxicity ${f.toxicity}` : "";
  return `${what} on ${edge} (${f.stream ?? "downstream"}${tox})`;
}

async function cutEdges(t: ChaosTarget, edges: string[]): Promise<() => Promise<string>> {
  for (const e of edges) await t.edge(e).disable();
  await until(`cut ${edges.join(", ")}`, async () =>
    (await Promise.all(edges.map((e) => t.edge(e).state()))).every((s) => !s.enabled),
  );
  return async () => {
    for (const e of edges) await t.edge(e).enable();
    return `re-enabled ${edges.join(", ")}`;
  };
}

/** Injects a fault and waits until it is verifiably in force. */
export async function inject(
  f: Fault,
  t: ChaosTarget,
  name: string,
  random: () => number,
): Promise<ActiveFault> {
  switch (f.type) {
    case "toxic": {
      const edgeName = choose(f.edge, random);
      const edge = t.edge(edgeName);
      const streams =
        f.stream === "both" ? (["upstream", "downstream"] as const) : ([f.stream ?? "downstream"] as const);
      const names: string[] = [];
      for (const stream of streams) {
        names.push(
          await edge.addToxic({
            ...f.toxic,
            name: `faultline_${name}_${stream}`,
            stream,
            toxicity: f.toxicity ?? 1,
          }),
        );
      }
      await until(`toxic ${names.join(", ")}`, async () => {
        const listed = (await edge.state()).toxics.map((x) => x.name);
        return names.every((n) => listed.includes(n));
      });
      return {
        label: describeToxic(f, edgeName),
        kind: `toxic:${f.toxic.type}`,
        target: edgeName,
        heal: async () => {
          for (const n of names) await edge.removeToxic(n).catch(() => undefined);
          const left = (await edge.state()).toxics.filter((x) => names.includes(x.name));
          if (left.length)
            throw new FaultError(`toxic(s) ${left.map((x) => x.name).join(", ")} still on ${edgeName}`);
          return `removed ${names.join(", ")} from ${edgeName}`;
        },
      };
    }
    case "cut": {
      const edgeName = choose(f.edge, random);
      return { label: `cut ${edgeName}`, kind: "cut", target: edgeName, heal: await cutEdges(t, [edgeName]) };
    }
    case "random-partition": {
      const edgeName = choose({ oneOf: f.among }, random);
      return {
        label: `cut ${edgeName} (chosen by seed)`,
        kind: "cut",
        target: edgeName,
        heal: await cutEdges(t, [edgeName]),
      };
    }
    case "partition": {
      const edges = partitionEdges(t, f.groups);
      if (edges.length === 0)
        throw new FaultError(
          `partition ${f.groups[0].join(",")} | ${f.groups[1].join(",")}: no edge between the groups`,
        );
      return {
        label: `partition {${f.groups[0].join(", ")}} | {${f.groups[1].join(", ")}} (${edges.length} edges)`,
        kind: "partition",
        target: edges.join(","),
        heal: await cutEdges(t, edges),
      };
    }
    case "container": {
      const target = choose(f.target, random);
      const before = await t.containerState(target);
      if (before !== "running")
        throw new FaultError(`container ${target} is ${before}, not running: cannot ${f.action} it`);
      await t.fault(target, f.action);
      if (f.action === "restart") {
        return {
          label: `restart ${target}`,
          kind: "container:restart",
          target,
          heal: async () => `${target} restarted at once`,
        };
      }
      const want = f.action === "pause" ? "paused" : "exited";
      await until(`${f.action} ${target}`, async () => (await t.containerState(target)) === want);
      return {
        label: `${f.action} ${target}`,
        kind: `container:${f.action}`,
        target,
        heal: async () => {
          const now = await t.containerState(target);
          if (now === "paused") await t.fault(target, "unpause");
          else if (now !== "running") await t.fault(target, "restart");
          return `${target} ${now} -> ${await t.containerState(target)}`;
        },
      };
    }
  }
}

/** Names a fault refers to (for checking a scenario before anything starts). */
export function faultReferences(f: Fault): { edges: string[]; services: string[]; containers: string[] } {
  const picks = (p: Pick) => (typeof p === "string" ? [p] : p.oneOf);
  switch (f.type) {
    case "toxic":
    case "cut":
      return { edges: picks(f.edge), services: [], containers: [] };
    case "random-partition":
      return { edges: f.among, services: [], containers: [] };
    case "partition":
      return { edges: [], services: [...f.groups[0], ...f.groups[1]], containers: [] };
    case "container":
      return { edges: [], services: [], containers: picks(f.target) };
  }
}
