import { existsSync, readdirSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isMap, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { imageByName, IMAGES, type ImageSpec } from "../images/catalog.ts";

/**
 * The target manifest: what services a system has, how each is reached and checked, and what each
 * depends on, and how its images are built. The format is documented in docs/manifest.md, with
 * the reference example under targets/.
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
    /**
     * The caller's own deadline for one call over this edge (`2s`, `500ms`), as the service is
     * configured: chaos coverage's "latency beyond the caller's deadline" and the entry point's
     * answer-time bound read it.
     */
    deadline: z
      .string()
      .regex(/^\d+(\.\d+)?(ms|s|m)$/, "must be a duration such as 500ms, 2s or 1m")
      .optional(),
  })
  .strict();

/** A manifest duration (`500ms`, `2s`, `1m`) in milliseconds. */
export function durationMs(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration: "${d}" (write 500ms, 2s or 1m)`);
  return Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
}

/**
 * How a service's image is built, as docker compose writes it: a context folder (relative to the
 * manifest's folder) with a Dockerfile, or a Go main package in a module or workspace. A string is
 * the context alone (its `Dockerfile`).
 */
const buildSchema = z.preprocess(
  (v) => (typeof v === "string" ? { context: v } : v),
  z
    .object({
      context: z.string().min(1, "must name a folder").default("."),
      dockerfile: z.string().min(1, "must name a file").optional(),
      args: z.record(z.string(), z.string()).optional(),
      go: z
        .string()
        .regex(/^\.\.?(\/|$)/, "must be a Go package path relative to the context, starting with './'")
        .optional(),
      tags: z.array(z.string().regex(/^[A-Za-z0-9_.]+$/, "must be a Go build tag")).optional(),
      inputs: z.array(z.string().min(1)).min(1, "must list at least one file or folder").optional(),
    })
    .strict(),
);

const IMAGE_REF =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

const serviceSchema = z
  .object({
    image: z.string().min(1, "must name an image").optional(),
    build: buildSchema.optional(),
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
    /** The driver the target runs on by default (`--driver` overrides it). */
    driver: z.enum(["docker", "kubernetes"]).optional(),
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
        /**
         * The span attribute that carries the target's business id (an order id): `faultline
         * trace <id>` and the chaos report look an id up in it.
         */
        lookupTag: z.string().min(1).optional(),
        startupTimeout: z.number().positive().max(600).default(60),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The infrastructure name of the trace backend a manifest's `tracing:` starts. */
export const TRACING = "tracing";

/** A service's build, resolved: `context` is absolute. */
export type ServiceBuild =
  | { kind: "go"; context: string; pkg: string; tags: string[]; inputs: string[] }
  | { kind: "dockerfile"; context: string; dockerfile: string; args: Record<string, string> };

export type ServiceSpec = Omit<z.infer<typeof serviceSchema>, "image" | "build"> & {
  /** The image to run: a catalog name, or a reference (built by `build`, or present locally). */
  image: string;
  build?: ServiceBuild;
};
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
  driver?: "docker" | "kubernetes";
  infrastructure: Record<string, InfraSpec>;
  services: Record<string, ServiceSpec>;
  edges: Edge[];
  sabotage?: { env: string; switches: Record<string, string[]> };
  /** Present when the target exports traces: the backend runs as infrastructure "tracing". */
  tracing?: {
    image: string;
    env: string;
    services: string[];
    batchDelayMs: number | null;
    lookupTag?: string;
  };
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

/** A catalog name or ref, or a full image reference (`name:tag`, `registry/name`). */
function imageKnown(image: string): boolean {
  return (
    IMAGES.some((i) => i.name === image || i.ref === image) ||
    ((image.includes(":") || image.includes("/")) && IMAGE_REF.test(image))
  );
}

/** Checks a service's `build:` against the files; returns the resolved build or pushes problems. */
function resolveBuild(
  b: z.infer<typeof buildSchema>,
  dir: string,
  field: (...p: PropertyKey[]) => string,
  problems: string[],
): ServiceBuild | undefined {
  const before = problems.length;
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  if (b.go !== undefined && b.dockerfile !== undefined)
    problems.push(`${field("build")}: set either "go" (a Go main package) or "dockerfile", not both`);
  const context = path.resolve(dir, b.context);
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    problems.push(
      `${field("build", "context")}: folder ${rel(context)} does not exist: the context is relative to the manifest's folder (${rel(dir)})`,
    );
    return undefined;
  }
  if (b.go !== undefined) {
    if (b.args) problems.push(`${field("build", "args")}: "args" apply to dockerfile builds; remove it`);
    if (!existsSync(path.join(context, "go.mod")) && !existsSync(path.join(context, "go.work")))
      problems.push(
        `${field("build", "context")}: ${rel(context)} holds no go.mod or go.work: set "context" to the folder of the Go module or workspace`,
      );
    const pkg = path.join(context, b.go);
    let goFiles: string[] = [];
    try {
      goFiles = readdirSync(pkg).filter((f) => f.endsWith(".go"));
    } catch {
      // reported below
    }
    if (goFiles.length === 0)
      problems.push(
        `${field("build", "go")}: ${rel(pkg)} holds no .go file: name the main package's folder, relative to the context (${rel(context)})`,
      );
    return problems.length > before
      ? undefined
      : { kind: "go", context, pkg: b.go, tags: b.tags ?? [], inputs: b.inputs ?? ["."] };
  }
  if (b.tags) problems.push(`${field("build", "tags")}: "tags" apply to go builds; remove it`);
  if (b.inputs)
    problems.push(
      `${field("build", "inputs")}: "inputs" apply to go builds (a Dockerfile build's inputs are its whole context); remove it`,
    );
  const dockerfile = b.dockerfile ?? "Dockerfile";
  if (!existsSync(path.join(context, dockerfile)))
    problems.push(
      `${field("build", "dockerfile")}: ${rel(path.join(context, dockerfile))} does not exist: name the Dockerfile relative to the context, or set "go" to build a Go main package`,
    );
  return problems.length > before
    ? undefined
    : { kind: "dockerfile", context, dockerfile, args: b.args ?? {} };
}

/** Parses and validates a manifest's text; `file` is used in messages only. */
export function parseManifest(
  text: string,
  file: string,
  opts: { knownImage?: (image: string) => boolean; dir?: string } = {},
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
  const services: Record<string, ServiceSpec> = {};
  const dir = opts.dir ?? path.dirname(path.resolve(file));
  for (const [svc, raw] of Object.entries(m.services)) {
    const { build: rawBuild, image: rawImage, ...rest } = raw;
    const build = rawBuild
      ? resolveBuild(rawBuild, dir, (...p) => where(["services", svc, ...p]), problems)
      : undefined;
    const image = rawImage ?? (rawBuild ? `faultline/${m.name}-${svc}:dev` : "");
    const spec: ServiceSpec = { ...rest, image, ...(build ? { build } : {}) };
    services[svc] = spec;
    if (!rawImage && !rawBuild) {
      problems.push(
        `${where(["services", svc])}: needs "image" (an image on this machine) or "build" (how faultline builds it, e.g. build: { go: ./cmd/${svc} }): add one`,
      );
    } else if (rawBuild && rawImage && (imageByName(rawImage) || !IMAGE_REF.test(rawImage))) {
      problems.push(
        `${where(["services", svc, "image"])}: "${rawImage}" cannot be the tag of a built image: give a reference such as faultline/${m.name}-${svc}:dev, or drop "image" to use that one`,
      );
    } else if (!rawBuild && !knownImage(spec.image)) {
      problems.push(
        `${where(["services", svc, "image"])}: image "${spec.image}" is neither in the image catalog (src/images/catalog.ts: ${IMAGES.map((i) => i.name).join(", ")}) nor an image reference (name:tag): fix the name, or add "build" so "faultline images build" builds it`,
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
      ...(m.tracing.lookupTag ? { lookupTag: m.tracing.lookupTag } : {}),
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
    ...(m.driver ? { driver: m.driver } : {}),
    infrastructure: m.infrastructure,
    services,
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

/** Reads a manifest file: a path, or a target name under targets/ (targets/<name>/faultline.yaml). */
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
      `cannot read the file: pass a target name under targets/ (${(await targetManifests(root)).map((f) => path.basename(path.dirname(f))).join(", ") || "none yet"}) or the path of a faultline.yaml`,
    ]);
  }
  return parseManifest(text, path.relative(root, file) || file, { ...opts, dir: path.dirname(file) });
}

export { resolveImage } from "../images/catalog.ts";

/** Every manifest under targets/ (`targets/<name>/faultline.yaml`), as paths relative to `root`. */
export async function targetManifests(root: string): Promise<string[]> {
  const names = await readdir(path.join(root, "targets")).catch(() => [] as string[]);
  return names
    .sort()
    .map((n) => path.join("targets", n, "faultline.yaml"))
    .filter((f) => existsSync(path.join(root, f)));
}

/**
 * Every image `faultline images build` builds: the harness's own (src/images/catalog.ts), then
 * the services of each target manifest (default: every `targets/<name>/faultline.yaml`) that say
 * how they are built. A manifest that does not parse is an error naming its file.
 */
export async function projectImages(root: string, targets?: readonly string[]): Promise<ImageSpec[]> {
  const files = targets && targets.length > 0 ? targets : await targetManifests(root);
  const out: ImageSpec[] = [...IMAGES];
  for (const f of files) {
    for (const spec of targetImages(await loadManifest(f, root), root)) {
      const clash = out.find((o) => o.name === spec.name);
      if (clash && clash.ref !== spec.ref)
        throw new Error(
          `Image name "${spec.name}" (${spec.ref}, from ${f}) is already taken by ${clash.ref}: rename the target or the service`,
        );
      if (!clash) out.push(spec);
    }
  }
  return out;
}

/**
 * The images of a target's services that say how they are built, as the image pipeline's specs:
 * named `<target>-<service>`, tagged with the service's `image`. Paths inside `root` stay relative
 * to it, so the input hash does not depend on where the project is checked out.
 */
export function targetImages(m: Manifest, root: string): ImageSpec[] {
  const out: ImageSpec[] = [];
  const under = (p: string) => {
    const rel = path.relative(root, p);
    return rel.startsWith("..") || path.isAbsolute(rel) ? p : rel || ".";
  };
  for (const [svc, s] of Object.entries(m.services)) {
    const b = s.build;
    if (!b) continue;
    const name = `${m.name}-${svc}`;
    if (b.kind === "dockerfile") {
      out.push({
        kind: "dockerfile",
        name,
        ref: s.image,
        context: under(b.context),
        dockerfile: b.dockerfile,
        args: b.args,
      });
      continue;
    }
    out.push({
      kind: "go-source",
      name,
      ref: s.image,
      workspace: under(b.context),
      inputs: b.inputs,
      pkg: b.pkg,
      binary: path.basename(path.resolve("/", b.pkg)) || svc,
      expose: [s.ports.http, ...(s.ports.grpc ? [s.ports.grpc] : [])],
      ...(b.tags.length > 0 ? { tags: b.tags } : {}),
    });
  }
  return out;
}
