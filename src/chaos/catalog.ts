/**
 * The scenario catalog: one scenario per file, `suites/chaos/<name>.ts`, named by its file.
 * Loading checks every reference (edges, services, containers, switches) against the target
 * before anything starts; unknown names list the known ones.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { HOST_KAFKA_EDGE } from "../env/stack.ts";
import type { Manifest } from "../env/manifest.ts";
import { isK6Script } from "../load/k6-script.ts";
import { defaultScenarios, loadKit } from "./defaults.ts";
import { faultReferences } from "./faults.ts";
import type { Probe, Scenario, ScenarioDefinition } from "./model.ts";

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

export function scenarioDir(root: string): string {
  return path.join(root, "suites", "chaos");
}

export async function scenarioNames(root: string): Promise<string[]> {
  const files = await readdir(scenarioDir(root)).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Levenshtein distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

export function nearest(name: string, known: string[]): string | undefined {
  const best = known.map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0];
  return best && best[1] <= Math.max(3, Math.floor(name.length / 3)) ? best[0] : undefined;
}

function isDefinition(v: unknown): v is ScenarioDefinition {
  const d = v as ScenarioDefinition | undefined;
  return !!d && typeof d.title === "string" && Array.isArray(d.method) && Array.isArray(d.steadyState);
}

export async function loadScenario(root: string, name: string): Promise<Scenario> {
  const known = await scenarioNames(root);
  if (!known.includes(name)) {
    const near = nearest(name, known);
    throw new ScenarioError(
      `No chaos scenario "${name}"${near ? ` (did you mean "${near}"?)` : ""}. Known: ${known.join(", ") || "(none)"} (files under ${path.relative(root, scenarioDir(root))}/)`,
    );
  }
  const file = path.join(scenarioDir(root), `${name}.ts`);
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  const rel = path.relative(root, file);
  if (!isDefinition(mod.default))
    throw new ScenarioError(
      `${rel}: the default export is not a scenario: export default defineScenario({ title, description, tags, catches, steadyState, method, invariants })`,
    );
  return { ...mod.default, name, file: rel };
}

/**
 * Every scenario file; with the target's manifest, also the manifest-driven defaults for the
 * coverage cells the files leave empty (src/chaos/defaults.ts).
 */
export async function loadCatalog(root: string, m?: Manifest): Promise<Scenario[]> {
  const files = await Promise.all((await scenarioNames(root)).map((n) => loadScenario(root, n)));
  if (!m) return files;
  return [...files, ...defaultScenarios(m, files, await loadKit(root, m))];
}

/** Every problem of a scenario against the target: file, field, the unknown name and the known ones. */
export function checkScenario(s: Scenario, m: Manifest): string[] {
  const problems: string[] = [];
  const edges = [
    ...m.edges.map((e) => e.name),
    ...(Object.values(m.infrastructure).some((i) => i.kind === "kafka") ? [HOST_KAFKA_EDGE] : []),
  ];
  const services = Object.keys(m.services);
  const containers = [...services, ...Object.keys(m.infrastructure)];
  const switches = Object.keys(m.sabotage?.switches ?? {});
  const unknown = (field: string, what: string, name: string, list: string[]) => {
    const near = nearest(name, list);
    problems.push(
      `${s.file}: ${field}: unknown ${what} "${name}"${near ? ` (did you mean "${near}"?)` : ""}; known: ${list.join(", ")}`,
    );
  };
  const checkProbe = (p: Probe, field: string) => {
    if ("service" in p && !services.includes(p.service))
      unknown(`${field}.service`, "service", p.service, services);
    if (p.kind === "grpc-health" && services.includes(p.service) && !m.services[p.service]!.ports.grpc)
      problems.push(`${s.file}: ${field}.service: service "${p.service}" has no grpc port`);
    if (p.kind === "container" && !containers.includes(p.container))
      unknown(`${field}.container`, "container", p.container, containers);
  };
  if (s.load && s.workload)
    problems.push(`${s.file}: load: a scenario has one workload: "workload" or "load", not both`);
  if (s.load && isK6Script(s.load.scenario) && s.load.profile !== undefined)
    problems.push(
      `${s.file}: load.profile: a k6 script (${s.load.scenario}) takes no profile; its options say its VUs (set load.env or drop load.profile)`,
    );
  if (s.load?.env && !isK6Script(s.load.scenario))
    problems.push(`${s.file}: load.env: only a k6 script takes env (${s.load.scenario} is a load scenario)`);
  for (const sw of Object.keys(s.catches))
    if (!switches.includes(sw)) unknown(`catches`, "sabotage switch", sw, switches);
  s.steadyState.forEach((p, i) => checkProbe(p, `steadyState[${i}]`));
  const faultNames = new Set<string>();
  s.method.forEach((st, i) => {
    const f = `method[${i}]`;
    if (st.kind === "fault") {
      faultNames.add(st.name);
      const r = faultReferences(st.fault);
      for (const e of r.edges) if (!edges.includes(e)) unknown(`${f}.fault.edge`, "edge", e, edges);
      for (const sv of r.services)
        if (!services.includes(sv)) unknown(`${f}.fault.groups`, "service", sv, services);
      for (const c of r.containers)
        if (!containers.includes(c)) unknown(`${f}.fault.target`, "container", c, containers);
    }
    if (st.kind === "heal" && !faultNames.has(st.fault))
      problems.push(
        `${s.file}: ${f}.fault: no earlier fault step is named "${st.fault}"; faults: ${[...faultNames].join(", ") || "(none)"}`,
      );
    if (st.kind === "expect" || st.kind === "probe") checkProbe(st.probe, `${f}.probe`);
  });
  const checks = new Set([
    ...s.method.flatMap((st) => (st.kind === "expect" || st.kind === "action" ? [st.name] : [])),
    ...s.steadyState.map((p) => p.name),
    ...s.invariants.map((i) => i.name),
  ]);
  for (const [sw, check] of Object.entries(s.catches))
    if (!checks.has(check))
      problems.push(
        `${s.file}: catches["${sw}"]: names the check "${check}", which is no expect step, steady-state probe or invariant of this scenario; checks: ${[...checks].join(", ")}`,
      );
  return problems;
}

/** Metric probes name metrics that must exist: read from the running services. */
export async function checkMetrics(
  scenarios: Scenario[],
  metricNames: (service: string) => Promise<string[]>,
): Promise<string[]> {
  const problems: string[] = [];
  const cache = new Map<string, string[]>();
  for (const s of scenarios) {
    const probes: [Probe, string][] = [
      ...s.steadyState.map((p, i) => [p, `steadyState[${i}]`] as [Probe, string]),
      ...s.method.flatMap((st, i) =>
        st.kind === "expect" || st.kind === "probe"
          ? [[st.probe, `method[${i}].probe`] as [Probe, string]]
          : [],
      ),
    ];
    for (const [p, field] of probes) {
      if (p.kind !== "metric") continue;
      if (!cache.has(p.service)) cache.set(p.service, await metricNames(p.service));
      const names = cache.get(p.service)!;
      if (!names.includes(p.metric)) {
        const near = nearest(p.metric, names);
        problems.push(
          `${s.file}: ${field}.metric: service "${p.service}" exports no metric "${p.metric}"${near ? ` (did you mean "${near}"?)` : ""}`,
        );
      }
    }
  }
  return problems;
}
