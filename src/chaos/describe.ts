/** A scenario in words, for `faultline chaos describe`. */
import type { Manifest } from "../env/manifest.ts";
import { loadCatalog, loadScenario } from "./catalog.ts";
import type { Fault, Probe, Step } from "./model.ts";
import { probeTarget } from "./probes.ts";
import { describeTolerance } from "./tolerance.ts";

const pick = (p: string | { oneOf: string[] }) =>
  typeof p === "string" ? p : `one of ${p.oneOf.join(", ")} (by seed)`;

function fault(f: Fault): string {
  switch (f.type) {
    case "toxic":
      return `${f.toxic.type} ${JSON.stringify(f.toxic.attributes)} on ${pick(f.edge)} (${f.stream ?? "downstream"}${f.toxicity !== undefined ? `, toxicity ${f.toxicity}` : ""})`;
    case "cut":
      return `cut ${pick(f.edge)}`;
    case "partition":
      return `partition {${f.groups[0].join(", ")}} | {${f.groups[1].join(", ")}}`;
    case "random-partition":
      return `cut one of ${f.among.join(", ")} (by seed)`;
    case "container":
      return `${f.action} container ${pick(f.target)}`;
  }
}

const probe = (p: Probe) => `${p.name}: ${probeTarget(p)} ${describeTolerance(p.tolerance)}`;

function step(s: Step): string {
  switch (s.kind) {
    case "fault":
      return `fault "${s.name}": ${fault(s.fault)}${s.forS !== undefined ? `, for ${s.forS} s` : ", until healed"}`;
    case "heal":
      return `heal "${s.fault}"`;
    case "wait":
      return `wait ${s.seconds} s`;
    case "expect":
      return `expect "${s.name}": ${probeTarget(s.probe)} ${describeTolerance(s.probe.tolerance)}${s.withinS ? ` within ${s.withinS} s` : ""}${s.holdS ? `, holding for ${s.holdS} s` : ""}`;
    case "probe":
      return `read "${s.id}": ${probeTarget(s.probe)}`;
    case "action":
      return `check "${s.name}"`;
  }
}

export async function describeScenario(root: string, name: string, m?: Manifest): Promise<string> {
  const generated = m ? (await loadCatalog(root, m)).find((x) => x.name === name) : undefined;
  const s = generated ?? (await loadScenario(root, name));
  const lines = [
    `${s.name} — ${s.title}`,
    `file: ${s.file}   tags: ${s.tags.join(", ")}`,
    "",
    s.description,
    "",
    `catches: ${
      Object.entries(s.catches)
        .map(([sw, check]) => `${sw} (fails "${check}")`)
        .join("; ") || "nothing named (a property of the correct target)"
    }`,
    "",
    "steady state (before the method, and again after heal):",
    ...s.steadyState.map((p) => `  - ${probe(p)}`),
    "",
    `workload: ${s.workload ? `${s.workload.description} (until ${s.workload.tailS ?? 2} s after the method)` : "none"}`,
    "",
    "method:",
    ...s.method.map((st, i) => `  ${i + 1}. ${step(st)}`),
    "",
    "rollbacks: every fault still in force is healed (newest first), on failure and on Ctrl-C too; then every toxic is removed, every edge enabled and every container running again.",
    "",
    "invariants (after heal):",
    ...s.invariants.map((i) => `  - ${i.name}: ${i.description}`),
    ...(s.invariants.length === 0 ? ["  (none: the method's expectations are the checks)"] : []),
    "",
    `safeguard: aborted after ${s.timeoutS ?? 300} s`,
  ];
  return lines.join("\n");
}
