/**
 * Fault coverage from the system's shape: every edge of the manifest × {cut, latency beyond the
 * caller's deadline, hang, bandwidth/slicer} and every service and infrastructure container ×
 * {kill, restart, pause}; each cell names the scenarios that inject that fault there and the
 * invariants judged on them. Built from the manifest and the scenarios' declared faults only
 * (no stack): `faultline chaos coverage`, and the journal's `chaos.coverage` for the report.
 */
import { durationMs, type Edge, type Manifest } from "../env/manifest.ts";
import type { CoverageMatrix } from "../report/journal.ts";
import type { Fault, Scenario } from "./model.ts";

export const EDGE_FAULTS = ["cut", "latency", "hang", "bandwidth"] as const;
export const CONTAINER_FAULTS = ["kill", "restart", "pause"] as const;
export type EdgeFault = (typeof EDGE_FAULTS)[number];
export type ContainerFault = (typeof CONTAINER_FAULTS)[number];

/** The cells the manifest-driven default must fill (DESIGN: cut and hang per edge, kill and restart per container). */
export const REQUIRED_EDGE_FAULTS: readonly EdgeFault[] = ["cut", "hang"];
export const REQUIRED_CONTAINER_FAULTS: readonly ContainerFault[] = ["kill", "restart"];

/** The caller's deadline over an edge in ms (manifest `deadline`), when declared. */
export function edgeDeadlineMs(e: Edge): number | undefined {
  return e.dependency.deadline ? durationMs(e.dependency.deadline) : undefined;
}

/** Edges between two groups, both directions (as a partition cuts them), from the manifest alone. */
export function partitionEdgeNames(m: Manifest, groups: [string[], string[]]): string[] {
  const [a, b] = groups;
  return m.edges
    .filter((e) => (a.includes(e.from) && b.includes(e.to)) || (b.includes(e.from) && a.includes(e.to)))
    .map((e) => e.name);
}

const picks = (p: string | { oneOf: string[] }) => (typeof p === "string" ? [p] : p.oneOf);

/** The cells one fault lands in: [subject, fault kind]; a seeded choice counts for each candidate. */
export function cellsOf(f: Fault, m: Manifest): [string, EdgeFault | ContainerFault][] {
  switch (f.type) {
    case "cut":
      return picks(f.edge).map((e) => [e, "cut"]);
    case "random-partition":
      return f.among.map((e) => [e, "cut"]);
    case "partition":
      return partitionEdgeNames(m, f.groups).map((e) => [e, "cut"]);
    case "toxic": {
      const t = f.toxic;
      const out: [string, EdgeFault][] = [];
      for (const name of picks(f.edge)) {
        if (t.type === "timeout") out.push([name, "hang"]);
        else if (t.type === "bandwidth" || t.type === "slicer") out.push([name, "bandwidth"]);
        else if (t.type === "latency") {
          const edge = m.edges.find((e) => e.name === name);
          const deadline = edge ? edgeDeadlineMs(edge) : undefined;
          const a = t.attributes as { latency?: number };
          // Without a declared deadline any latency counts: the caller's limit is unknown.
          if (deadline === undefined || (a.latency ?? 0) > deadline) out.push([name, "latency"]);
        }
      }
      return out;
    }
    case "container": {
      const kind: ContainerFault | undefined =
        f.action === "kill" || f.action === "stop" ? "kill" : f.action === "restart" ? "restart" : "pause";
      const out: [string, ContainerFault][] = picks(f.target).map((c) => [c, kind]);
      // A killed or stopped container is started again when the fault heals: it restarts too.
      if (kind === "kill") out.push(...picks(f.target).map((c): [string, ContainerFault] => [c, "restart"]));
      return out;
    }
  }
}

function faultsOf(s: Scenario): Fault[] {
  return s.method.flatMap((st) => (st.kind === "fault" ? [st.fault] : []));
}

/** The coverage matrix of these scenarios on this manifest. */
export function coverageMatrix(m: Manifest, scenarios: Scenario[]): CoverageMatrix {
  const edges = m.edges.map((e) => e.name);
  const containers = [...Object.keys(m.services), ...Object.keys(m.infrastructure)];
  const cells = new Map<string, { scenarios: Set<string>; invariants: Set<string> }>();
  const key = (subject: string, fault: string) => `${subject}\u0000${fault}`;
  for (const s of scenarios)
    for (const f of faultsOf(s))
      for (const [subject, fault] of cellsOf(f, m)) {
        const c = cells.get(key(subject, fault)) ?? { scenarios: new Set(), invariants: new Set() };
        c.scenarios.add(s.name);
        for (const inv of s.invariants) c.invariants.add(inv.name);
        cells.set(key(subject, fault), c);
      }
  const row = (subject: string, kind: "edge" | "container", faults: readonly string[]) => ({
    subject,
    kind,
    ...(kind === "edge"
      ? { deadlineMs: edgeDeadlineMs(m.edges.find((e) => e.name === subject)!) ?? null }
      : {}),
    cells: faults.map((fault) => {
      const c = cells.get(key(subject, fault));
      return {
        fault,
        scenarios: [...(c?.scenarios ?? [])].sort(),
        invariants: [...(c?.invariants ?? [])].sort(),
      };
    }),
  });
  return {
    edgeFaults: [...EDGE_FAULTS],
    containerFaults: [...CONTAINER_FAULTS],
    required: { edge: [...REQUIRED_EDGE_FAULTS], container: [...REQUIRED_CONTAINER_FAULTS] },
    rows: [
      ...edges.map((e) => row(e, "edge", EDGE_FAULTS)),
      ...containers.map((c) => row(c, "container", CONTAINER_FAULTS)),
    ],
  };
}

/** The required cells nobody fills: `[subject, fault]`. */
export function emptyRequiredCells(cm: CoverageMatrix): [string, string][] {
  return cm.rows.flatMap((r) =>
    r.cells
      .filter(
        (c) =>
          c.scenarios.length === 0 &&
          (r.kind === "edge" ? cm.required.edge : cm.required.container).includes(c.fault),
      )
      .map((c): [string, string] => [r.subject, c.fault]),
  );
}

/** The matrix as text (one row per edge or container; a cell is the number of scenarios, `·` when empty). */
export function formatCoverage(cm: CoverageMatrix): string {
  const lines: string[] = [];
  const table = (kind: "edge" | "container", faults: string[]) => {
    const rows = cm.rows.filter((r) => r.kind === kind);
    const w = Math.max(kind.length, ...rows.map((r) => r.subject.length));
    lines.push(`${kind.padEnd(w)}  ${faults.map((f) => f.padEnd(10)).join("")}`);
    for (const r of rows)
      lines.push(
        `${r.subject.padEnd(w)}  ${r.cells.map((c) => (c.scenarios.length ? String(c.scenarios.length) : "·").padEnd(10)).join("")}`,
      );
    lines.push("");
  };
  table("edge", cm.edgeFaults);
  table("container", cm.containerFaults);
  const empty = emptyRequiredCells(cm);
  lines.push(
    empty.length
      ? `${empty.length} required cell(s) empty: ${empty.map(([s, f]) => `${s} × ${f}`).join(", ")}`
      : `every required cell is covered (edges: ${cm.required.edge.join(", ")}; containers: ${cm.required.container.join(", ")})`,
  );
  lines.push("");
  for (const r of cm.rows)
    for (const c of r.cells)
      if (c.scenarios.length)
        lines.push(
          `${r.subject} × ${c.fault}: ${c.scenarios.join(", ")}${c.invariants.length ? ` — judged by: ${c.invariants.join("; ")}` : " — no invariant"}`,
        );
  return lines.join("\n");
}
