import { readFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { IMAGES } from "../images/catalog.ts";

/**
 * The target manifest: what services a system has, how each is reached and checked, and what each
 * depends on. The format is documented in docs/manifest.md; targets/shop/faultline.yaml is the
 * reference example.
 */

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const nameSchema = z
  .string()
  .regex(NAME, "must be lower-case letters, digits and '-', starting with a letter (at most 31)");
const pathSchema = z.string().startsWith("/", "must be an HTTP path starting with '/'");

const portsSchema = z
  .object({
    http: z.number().int().min(1).max(65535),
    grpc: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

const dependencySchema = z
  .object({
    /** The environment variable that receives the dependency's address (through its edge's proxy). */
    env: z.string().regex(ENV_NAME, "must be an environment variable name (A-Z, 0-9, _)"),
    /** For a service dependency: which of its ports (default grpc when it has one, else http). */
    port: z.enum(["http", "grpc"]).optional(),
    /** For a postgres dependency: the database (and its owner) this service uses; default: the service's name. */
    database: nameSchema.optional(),
  })
  .strict();

const serviceSchema = z
  .object({
    image: z.string().min(1, "must name an image"),
    ports: portsSchema,
    liveness: pathSchema.default("/healthz"),
    readiness: pathSchema.default("/readyz"),
    env: z
      .record(z.string().regex(ENV_NAME, "must be an environment variable name (A-Z, 0-9, _)"), z.string())
      .default({}),
    dependsOn: z.record(nameSchema, dependencySchema).default({}),
    /** Seconds to wait for readiness. */
    startupTimeout: z.number().positive().max(600).default(60),
  })
  .strict();

const infraSchema = z
  .object({
    kind: z.enum(["postgres", "kafka", "tracing"]),
    image: z.string().min(1, "must name an image"),
    env: z.record(z.string().regex(ENV_NAME), z.string()).default({}),
    startupTimeout: z.number().positive().max(600).default(90),
  })
  .strict();

const manifestSchema = z
  .object({
    name: nameSchema,
    description: z.string().optional(),
    /** The service clients talk to (its HTTP URL is the stack's entry point). */
    entrypoint: nameSchema.optional(),
    infrastructure: z.record(nameSchema, infraSchema).default({}),
    services: z
      .record(nameSchema, serviceSchema)
      .refine((s) => Object.keys(s).length > 0, "must list at least one service"),
    /**
     * Switches that turn off one resilience mechanism each, so suites can prove they detect the
     * bug that follows: the variable a service reads them from, and which services act on each.
     */
    sabotage: z
      .object({
        env: z.string().regex(ENV_NAME, "must be an environment variable name (A-Z, 0-9, _)"),
        switches: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.array(nameSchema).min(1)),
      })
      .strict()
      .optional(),
    /**
     * The services export traces (OTLP/HTTP): faultline starts a trace backend named "tracing"
     * and gives each service its endpoint, `http://<edge proxy>`, through an edge `<svc>->tracing`.
     */
    tracing: z
      .object({
        image: z.string().min(1, "must name an image").default("jaeger"),
        /** The variable that receives the OTLP endpoint URL. */
        env: z
          .string()
          .regex(ENV_NAME, "must be an environment variable name (A-Z, 0-9, _)")
          .default("OTEL_EXPORTER_OTLP_ENDPOINT"),
        /** The services that export (default: every service). */
        services: z.array(nameSchema).min(1).optional(),
        /**
         * How long an exporting service's OpenTelemetry SDK batches spans before it sends them
         * (OTEL_BSP_SCHEDULE_DELAY, which every SDK reads; theirs defaults to 5000 ms): short, so a
         * request's trace is queryable soon after it. null leaves the SDK's default.
         */
        batchDelayMs: z.number().int().positive().max(60_000).nullable().default(500),
        startupTimeout: z.number().positive().max(600).default(60),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The infrastructure name of the trace backend a manifest's `tracing:` starts. */
export const TRACING = "tracing";

export type ServiceSpec = z.infer<typeof serviceSchema>;
export type InfraSpec = z.infer<typeof infraSchema>;
export type DependencySpec = z.infer<typeof dependencySchema>;

export interface Edge {
  /** `orders->payments`: the proxy's name too. */
  name: string;
  from: string;
  to: string;
  toKind: "service" | "postgres" | "kafka" | "tracing";
  dependency: DependencySpec;
}

export interface Manifest {
  file: string;
  name: string;
  description?: string;
  entrypoint?: string;
  infrastructure: Record<string, InfraSpec>;
  services: Record<string, ServiceSpec>;
  edges: Edge[];
  sabotage?: { env: string; switches: Record<string, string[]> };
  /** Present when the target exports traces: the backend runs as infrastructure "tracing". */
  tracing?: { image: string; env: string; services: string[]; batchDelayMs: number | null };
  /** Services grouped so that each group depends only on earlier groups (start order). */
  levels: string[][];
}

/** A manifest problem: names the file, the field (and line when known) and the fix. */
export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid target manifest ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ManifestError";
  }
}

function fieldPath(p: readonly PropertyKey[]): string {
  return (
    p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("") ||
    "(top level)"
  );
}

function lineOf(doc: Document, lines: LineCounter, p: readonly PropertyKey[]): number | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as unknown[], true) as
      { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) return lines.linePos(node.range[0]).line;
    if (n > 0) {
      // a key that exists only as a map key: find the pair's key node
      const parent = n === 1 ? doc.contents : doc.getIn(p.slice(0, n - 1) as unknown[], true);
      if (isMap(parent)) {
        const pair = parent.items.find((it) => (it.key as { value?: unknown })?.value === p[n - 1]);
        const key = pair?.key as { range?: [number, number, number] } | undefined;
        if (key?.range) return lines.linePos(key.range[0]).line;
      } else if (isSeq(parent)) {
        continue;
      }
    }
  }
  return undefined;
}

function imageKnown(image: string): boolean {
  return IMAGES.some((i) => i.name === image || i.ref === image);
}

/** Parses and validates a manifest's text; `file` is used in messages only. */
export function parseManifest(
  text: string,
  file: string,
  opts: { knownImage?: (image: string) => boolean } = {},
): Manifest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  const where = (p: readonly PropertyKey[]) => {
    const line = lineOf(doc, lines, p);
    return `${file}${line ? `:${line}` : ""}: ${fieldPath(p)}`;
  };
  if (doc.errors.length > 0) {
    throw new ManifestError(
      file,
      doc.errors.map(
        (e) => `${file}:${e.linePos?.[0]?.line ?? "?"}: YAML syntax: ${e.message.split("\n")[0]}`,
      ),
    );
  }
  const parsed = manifestSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ManifestError(
      file,
      parsed.error.issues.map((i) => {
        let msg = i.message;
        if (i.code === "unrecognized_keys")
          msg = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(", ")}: remove or fix the spelling`;
        if (i.code === "invalid_type" && /received undefined/.test(i.message))
          msg = `is required (${i.message})`;
        return `${where(i.path)}: ${msg}`;
      }),
    );
  }
  const m = parsed.data;
  const problems: string[] = [];
  const knownImage = opts.knownImage ?? imageKnown;

  const infraNames = Object.keys(m.infrastructure);
  const serviceNames = Object.keys(m.services);
  for (const n of infraNames) {
    if (serviceNames.includes(n))
      problems.push(`${where(["services", n])}: "${n}" is both a service and infrastructure: rename one`);
    if (n === "toxiproxy")
      problems.push(
        `${where(["infrastructure", n])}: the name "toxiproxy" is reserved for faultline's proxy`,
      );
  }
  if (serviceNames.includes("toxiproxy"))
    problems.push(
      `${where(["services", "toxiproxy"])}: the name "toxiproxy" is reserved for faultline's proxy`,
    );
  if (m.entrypoint && !serviceNames.includes(m.entrypoint)) {
    problems.push(
      `${where(["entrypoint"])}: "${m.entrypoint}" is not a service; services: ${serviceNames.join(", ")}`,
    );
  }

  const edges: Edge[] = [];
  for (const [svc, spec] of Object.entries(m.services)) {
    if (!knownImage(spec.image)) {
      problems.push(
        `${where(["services", svc, "image"])}: image "${spec.image}" is neither in the image catalog (src/images/catalog.ts: ${IMAGES.map((i) => i.name).join(", ")}) nor present locally: build it first ("faultline images build") or fix the name`,
      );
    }
    for (const [dep, d] of Object.entries(spec.dependsOn)) {
      const infra = m.infrastructure[dep];
      if (dep === svc) {
        problems.push(`${where(["services", svc, "dependsOn", dep])}: a service cannot depend on itself`);
        continue;
      }
      if (!infra && !m.services[dep]) {
        problems.push(
          `${where(["services", svc, "dependsOn", dep])}: unknown dependency "${dep}"; known: ${[...serviceNames, ...infraNames].join(", ")}`,
        );
        continue;
      }
      if (d.port && infra)
        problems.push(
          `${where(["services", svc, "dependsOn", dep, "port"])}: "port" applies to service dependencies only`,
        );
      if (d.database && infra?.kind !== "postgres") {
        problems.push(
          `${where(["services", svc, "dependsOn", dep, "database"])}: "database" applies to postgres dependencies only`,
        );
      }
      if (d.port === "grpc" && m.services[dep] && !m.services[dep]!.ports.grpc) {
        problems.push(
          `${where(["services", svc, "dependsOn", dep, "port"])}: service "${dep}" has no grpc port`,
        );
      }
      edges.push({
        name: `${svc}->${dep}`,
        from: svc,
        to: dep,
        toKind: infra ? infra.kind : "service",
        dependency: d,
      });
    }
  }
  for (const [name, spec] of Object.entries(m.infrastructure)) {
    if (!knownImage(spec.image)) {
      problems.push(
        `${where(["infrastructure", name, "image"])}: image "${spec.image}" is not in the image catalog nor present locally`,
      );
    }
  }
  for (const [sw, services] of Object.entries(m.sabotage?.switches ?? {})) {
    for (const s of services)
      if (!m.services[s])
        problems.push(
          `${where(["sabotage", "switches", sw])}: "${s}" is not a service; services: ${serviceNames.join(", ")}`,
        );
  }
  let tracing: Manifest["tracing"];
  if (m.tracing) {
    if (m.infrastructure[TRACING] || m.services[TRACING]) {
      problems.push(
        `${where([m.infrastructure[TRACING] ? "infrastructure" : "services", TRACING])}: the name "${TRACING}" is reserved for the trace backend that "tracing:" starts: rename it`,
      );
    }
    if (Object.values(m.infrastructure).some((i) => i.kind === "tracing")) {
      problems.push(
        `${where(["infrastructure"])}: kind "tracing" is started by the top-level "tracing:" key: remove the entry`,
      );
    }
    if (!knownImage(m.tracing.image)) {
      problems.push(
        `${where(["tracing", "image"])}: image "${m.tracing.image}" is not in the image catalog nor present locally: build it first ("faultline images build ${m.tracing.image}") or fix the name`,
      );
    }
    const exporters = m.tracing.services ?? serviceNames;
    exporters.forEach((s, i) => {
      if (!m.services[s])
        problems.push(
          `${where(["tracing", "services", i])}: "${s}" is not a service; services: ${serviceNames.join(", ")}`,
        );
      else if (m.services[s]!.dependsOn[TRACING] || m.services[s]!.env[m.tracing!.env] !== undefined)
        problems.push(
          `${where(["services", s])}: sets ${m.tracing!.env} or depends on "${TRACING}" itself, which "tracing:" does: remove it`,
        );
      else
        edges.push({
          name: `${s}->${TRACING}`,
          from: s,
          to: TRACING,
          toKind: "tracing",
          dependency: { env: m.tracing!.env },
        });
    });
    tracing = {
      image: m.tracing.image,
      env: m.tracing.env,
      services: exporters,
      batchDelayMs: m.tracing.batchDelayMs,
    };
    m.infrastructure[TRACING] = {
      kind: "tracing",
      image: m.tracing.image,
      env: {},
      startupTimeout: m.tracing.startupTimeout,
    };
  } else if (Object.values(m.infrastructure).some((i) => i.kind === "tracing")) {
    problems.push(
      `${where(["infrastructure"])}: kind "tracing" is started by the top-level "tracing:" key (see docs/manifest.md): use it instead`,
    );
  }
  if (infraNames.filter((n) => m.infrastructure[n]!.kind === "kafka").length > 1) {
    problems.push(`${where(["infrastructure"])}: at most one kafka is supported`);
  }

  // Topological levels over service->service edges; a cycle is named with its path.
  const levels: string[][] = [];
  if (problems.length === 0) {
    const deps = new Map(
      serviceNames.map((s) => [s, Object.keys(m.services[s]!.dependsOn).filter((d) => m.services[d])]),
    );
    const placed = new Set<string>();
    while (placed.size < serviceNames.length) {
      const level = serviceNames.filter((s) => !placed.has(s) && deps.get(s)!.every((d) => placed.has(d)));
      if (level.length === 0) {
        const cycle = findCycle(
          serviceNames.filter((s) => !placed.has(s)),
          deps,
        );
        problems.push(
          `${where(["services", cycle[0]!, "dependsOn"])}: dependency cycle ${cycle.join(" -> ")}: services must start in an order; remove one of these dependencies`,
        );
        break;
      }
      level.forEach((s) => placed.add(s));
      levels.push(level);
    }
  }
  if (problems.length > 0) throw new ManifestError(file, problems);

  return {
    file,
    name: m.name,
    description: m.description,
    entrypoint: m.entrypoint,
    infrastructure: m.infrastructure,
    services: m.services,
    edges,
    sabotage: m.sabotage,
    tracing,
    levels,
  };
}

function findCycle(nodes: string[], deps: Map<string, string[]>): string[] {
  const stack: string[] = [];
  const onStack = new Set<string>();
  const seen = new Set<string>();
  const visit = (n: string): string[] | undefined => {
    if (onStack.has(n)) return [...stack.slice(stack.indexOf(n)), n];
    if (seen.has(n)) return undefined;
    seen.add(n);
    stack.push(n);
    onStack.add(n);
    for (const d of deps.get(n) ?? []) {
      if (!nodes.includes(d)) continue;
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    onStack.delete(n);
    return undefined;
  };
  for (const n of nodes) {
    const c = visit(n);
    if (c) return c;
  }
  return nodes;
}

/** Reads a manifest file: a path, or a target name under targets/ (e.g. "shop"). */
export async function loadManifest(
  target: string,
  root: string,
  opts: { knownImage?: (image: string) => boolean } = {},
): Promise<Manifest> {
  const file =
    target.endsWith(".yaml") || target.endsWith(".yml")
      ? path.resolve(target)
      : path.join(root, "targets", target, "faultline.yaml");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ManifestError(path.relative(root, file) || file, [
      `cannot read the file: pass a target name under targets/ (e.g. "shop") or the path of a faultline.yaml`,
    ]);
  }
  return parseManifest(text, path.relative(root, file) || file, opts);
}

/** The image reference for a manifest image: a catalog name ("shop-orders") or a full reference. */
export function resolveImage(image: string): string {
  return IMAGES.find((i) => i.name === image)?.ref ?? image;
}
