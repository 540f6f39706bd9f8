import { access, copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  BUILT_AT_LABEL,
  DEBIAN_SUITE,
  IMAGE_NAME_LABEL,
  IMAGES,
  INPUT_HASH_LABEL,
  KAFKA_VERSION,
  SLF4J_VERSION,
  type DebianRootfsImage,
  type DockerfileImage,
  type GoModuleImage,
  type GoSourceImage,
  type ImageSpec,
} from "./catalog.ts";
import { debianMirror } from "./debian-mirror.ts";
import { hashInputs, listInputFiles } from "./input-hash.ts";
import { StepRunner } from "./step-runner.ts";
import { docker, inspectImage } from "../docker-client.ts";
import { projectRoot, cacheDir } from "../paths.ts";

/** Bump to rebuild every image when the recipes in this file change meaning. */
const RECIPE_VERSION = 1;

/**
 * Flags of a Go source build: a static, stripped binary with the image's build tags. Part of the
 * input hash (where the tags are counted, so the spec is hashed without them).
 */
function goBuildFlags(spec: GoSourceImage): string[] {
  const tags = spec.tags && spec.tags.length > 0 ? [`-tags=${spec.tags.join(",")}`] : [];
  return ["-trimpath", ...tags, "-ldflags=-s -w"];
}

export type ImageState = "current" | "stale" | "missing" | "unavailable";

export interface ImageStatus {
  name: string;
  ref: string;
  state: ImageState;
  inputHash: string;
  sizeBytes?: number;
  builtAt?: string;
  /** Why an image cannot be built yet (e.g. its source does not exist). */
  reason?: string;
}

export interface BuildResult {
  name: string;
  ref: string;
  action: "built" | "skipped" | "unavailable";
  durationMs: number;
  sizeBytes?: number;
  inputHash: string;
  reason?: string;
}

export type BuildEvent =
  | { type: "check"; name: string }
  | { type: "skip"; name: string; reason: string }
  | { type: "step"; name: string; step: string }
  | { type: "done"; name: string; durationMs: number; sizeBytes?: number };

interface Planned {
  spec: ImageSpec;
  inputHash: string;
  unavailable?: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

function rootfsHashValues(spec: DebianRootfsImage) {
  return { recipe: RECIPE_VERSION, suite: DEBIAN_SUITE, variant: "minbase", packages: spec.packages };
}

async function rootfsRef(spec: DebianRootfsImage): Promise<string> {
  const h = await hashInputs(rootfsHashValues(spec));
  return `faultline/${spec.name}-rootfs:${h.slice(0, 16)}`;
}

/** The hash of everything that goes into an image; the image is current when its label matches. */
export async function inputHash(spec: ImageSpec, root = projectRoot()): Promise<Planned> {
  switch (spec.kind) {
    case "go-module":
      return { spec, inputHash: await hashInputs({ recipe: RECIPE_VERSION, ...spec }) };
    case "debian-rootfs": {
      const files = await listInputFiles(root, [spec.recipeDir]);
      const values = {
        recipe: RECIPE_VERSION,
        spec,
        rootfs: rootfsHashValues(spec),
        kafka: spec.prepare === "maven-kafka" ? { KAFKA_VERSION, SLF4J_VERSION } : undefined,
      };
      return { spec, inputHash: await hashInputs(values, root, files) };
    }
    case "go-source": {
      const ws = path.resolve(root, spec.workspace);
      const files = await listInputFiles(ws, spec.inputs);
      const { tags: _tags, ...untagged } = spec;
      const values = { recipe: RECIPE_VERSION, spec: untagged, flags: goBuildFlags(spec) };
      const h = await hashInputs(values, ws, files);
      const pkgDir = path.join(ws, spec.pkg);
      // A package of a module the workspace requires (not "./...") has no source here to check.
      if (spec.pkg.startsWith("./") && !(await hasGoFiles(pkgDir))) {
        return {
          spec,
          inputHash: h,
          unavailable: `no source yet: ${path.relative(root, pkgDir) || "."} holds no .go file`,
        };
      }
      return { spec, inputHash: h };
    }
    case "dockerfile": {
      const context = path.resolve(root, spec.context);
      const files = [...new Set(await listInputFiles(context, [".", spec.dockerfile]))].sort();
      return { spec, inputHash: await hashInputs({ recipe: RECIPE_VERSION, spec }, context, files) };
    }
  }
}

async function hasGoFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((f) => f.endsWith(".go") && !f.endsWith("_test.go"));
  } catch {
    return false;
  }
}

function selected(only: readonly string[] | undefined, images: readonly ImageSpec[]): ImageSpec[] {
  if (!only || only.length === 0) return [...images];
  const unknown = only.filter((n) => !images.some((i) => i.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown image ${unknown.map((u) => `"${u}"`).join(", ")}; known images: ${images.map((i) => i.name).join(", ")}`,
    );
  }
  return images.filter((i) => only.includes(i.name));
}

/** Each catalog image with its state: current, stale (inputs changed), missing, or unavailable. */
export async function imageStatuses(
  only?: readonly string[],
  root = projectRoot(),
  images: readonly ImageSpec[] = IMAGES,
): Promise<ImageStatus[]> {
  const out: ImageStatus[] = [];
  for (const spec of selected(only, images)) {
    const plan = await inputHash(spec, root);
    const local = await inspectImage(spec.ref);
    const state: ImageState = local
      ? local.labels[INPUT_HASH_LABEL] === plan.inputHash
        ? "current"
        : "stale"
      : plan.unavailable
        ? "unavailable"
        : "missing";
    out.push({
      name: spec.name,
      ref: spec.ref,
      state,
      inputHash: plan.inputHash,
      sizeBytes: local?.sizeBytes,
      builtAt: local?.labels[BUILT_AT_LABEL],
      reason: plan.unavailable,
    });
  }
  return out;
}

export interface BuildOptions {
  force?: boolean;
  only?: readonly string[];
  onEvent?: (e: BuildEvent) => void;
  root?: string;
  /** The catalog to build from (tests use their own); default: src/images/catalog.ts. */
  images?: readonly ImageSpec[];
}

/** Builds every image whose inputs changed (or all, with force). Never pulls. */
export async function buildImages(opts: BuildOptions = {}): Promise<BuildResult[]> {
  const root = opts.root ?? projectRoot();
  const emit = opts.onEvent ?? (() => {});
  const results: BuildResult[] = [];
  for (const spec of selected(opts.only, opts.images ?? IMAGES)) {
    emit({ type: "check", name: spec.name });
    const plan = await inputHash(spec, root);
    const started = Date.now();
    if (plan.unavailable) {
      emit({ type: "skip", name: spec.name, reason: plan.unavailable });
      results.push({
        name: spec.name,
        ref: spec.ref,
        action: "unavailable",
        durationMs: 0,
        inputHash: plan.inputHash,
        reason: plan.unavailable,
      });
      continue;
    }
    const local = await inspectImage(spec.ref);
    if (!opts.force && local?.labels[INPUT_HASH_LABEL] === plan.inputHash) {
      emit({ type: "skip", name: spec.name, reason: "current" });
      results.push({
        name: spec.name,
        ref: spec.ref,
        action: "skipped",
        durationMs: 0,
        sizeBytes: local.sizeBytes,
        inputHash: plan.inputHash,
      });
      continue;
    }
    const runner = new StepRunner(
      spec.name,
      path.join(cacheDir(), "logs", `build-${spec.name}.log`),
      (name, step) => emit({ type: "step", name, step }),
    );
    await runner.open();
    try {
      await buildOne(plan, runner, root, opts.force ?? false);
    } finally {
      await runner.close();
    }
    const built = await inspectImage(spec.ref);
    const durationMs = Date.now() - started;
    emit({ type: "done", name: spec.name, durationMs, sizeBytes: built?.sizeBytes });
    results.push({
      name: spec.name,
      ref: spec.ref,
      action: "built",
      durationMs,
      sizeBytes: built?.sizeBytes,
      inputHash: plan.inputHash,
    });
  }
  return results;
}

function labelArgs(spec: ImageSpec, hash: string): string[] {
  return [
    "--label",
    `${IMAGE_NAME_LABEL}=${spec.name}`,
    "--label",
    `${INPUT_HASH_LABEL}=${hash}`,
    "--label",
    `${BUILT_AT_LABEL}=${new Date().toISOString()}`,
  ];
}

/**
 * `docker build` tags the image only when every instruction succeeded, so an interrupted or
 * failed build never leaves a half-built image under the current reference.
 */
async function dockerBuild(
  runner: StepRunner,
  spec: ImageSpec,
  hash: string,
  context: string,
  buildArgs: string[] = [],
) {
  await runner.run(
    "docker build",
    "docker",
    ["build", "--rm", "--force-rm", "-t", spec.ref, ...labelArgs(spec, hash), ...buildArgs, context],
    {
      env: { ...process.env, DOCKER_BUILDKIT: "0", DOCKER_CLI_HINTS: "false" },
    },
  );
  // The previous build of this reference is now untagged: remove it so images do not pile up.
  await runner.run("prune superseded images", "docker", [
    "image",
    "prune",
    "-f",
    "--filter",
    `label=${IMAGE_NAME_LABEL}=${spec.name}`,
  ]);
}

async function scratchContext(runner: StepRunner, name: string): Promise<string> {
  const context = path.join(cacheDir(), "build", name);
  await rm(context, { recursive: true, force: true });
  await mkdir(context, { recursive: true });
  return context;
}

function scratchDockerfile(
  binary: string,
  expose: number[],
  entrypoint: string[],
  cmd: string[],
  files: string[] = [],
): string {
  return [
    "FROM scratch",
    `COPY ${binary} /${binary}`,
    ...files.map((f) => `COPY ${f} /${f}`),
    "USER 65532:65532",
    ...expose.map((p) => `EXPOSE ${p}`),
    `ENTRYPOINT ${JSON.stringify(entrypoint)}`,
    ...(cmd.length > 0 ? [`CMD ${JSON.stringify(cmd)}`] : []),
    "",
  ].join("\n");
}

async function buildOne(plan: Planned, runner: StepRunner, root: string, force: boolean): Promise<void> {
  const { spec, inputHash: hash } = plan;
  switch (spec.kind) {
    case "go-module":
      return buildGoModule(spec, hash, runner);
    case "go-source":
      return buildGoSource(spec, hash, runner, root);
    case "debian-rootfs":
      return buildDebian(spec, hash, runner, root, force);
    case "dockerfile":
      return buildDockerfile(spec, hash, runner, root);
  }
}

const goEnv = () => ({ ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" });

async function buildGoModule(spec: GoModuleImage, hash: string, runner: StepRunner) {
  const gobin = path.join(cacheDir(), "go-bin", `${spec.name}-${hash.slice(0, 12)}`);
  const built = path.join(gobin, path.basename(spec.pkg));
  if (!(await exists(built))) {
    await mkdir(gobin, { recursive: true });
    await runner.run(
      `go install ${spec.pkg}@${spec.version}`,
      "go",
      ["install", "-trimpath", `-ldflags=${spec.ldflags}`, `${spec.pkg}@${spec.version}`],
      {
        env: { ...goEnv(), GOBIN: gobin },
      },
    );
  }
  const context = await scratchContext(runner, spec.name);
  await copyFile(built, path.join(context, spec.binary));
  await writeFile(
    path.join(context, "Dockerfile"),
    scratchDockerfile(spec.binary, spec.expose, spec.entrypoint, spec.cmd),
  );
  await dockerBuild(runner, spec, hash, context);
}

async function buildGoSource(spec: GoSourceImage, hash: string, runner: StepRunner, root: string) {
  const context = await scratchContext(runner, spec.name);
  await runner.run(
    `go build ${spec.pkg}`,
    "go",
    ["build", ...goBuildFlags(spec), "-o", path.join(context, spec.binary), spec.pkg],
    {
      cwd: path.resolve(root, spec.workspace),
      env: goEnv(),
    },
  );
  const extra = spec.files ?? [];
  for (const f of extra)
    await copyFile(path.join(root, spec.workspace, f), path.join(context, path.basename(f)));
  await writeFile(
    path.join(context, "Dockerfile"),
    scratchDockerfile(
      spec.binary,
      spec.expose,
      [`/${spec.binary}`],
      spec.cmd ?? [],
      extra.map((f) => path.basename(f)),
    ),
  );
  await dockerBuild(runner, spec, hash, context);
}

/**
 * `docker build` of a target's own Dockerfile. faultline never pulls, so every `FROM` must be
 * `scratch`, an earlier stage, or an image already on this machine (a catalog image, another
 * service's image); this is checked before the build, with the line and the fix.
 */
async function buildDockerfile(spec: DockerfileImage, hash: string, runner: StepRunner, root: string) {
  const context = path.resolve(root, spec.context);
  const dockerfile = path.resolve(context, spec.dockerfile);
  const text = await readFile(dockerfile, "utf8");
  for (const from of dockerfileBases(text, spec.args)) {
    if (from.base === "scratch" || from.stage) continue;
    if (!(await inspectImage(from.base))) {
      throw new Error(
        `Image ${spec.name}: ${path.relative(root, dockerfile)}:${from.line}: FROM ${from.base} is not on this machine, and faultline never pulls images.\n` +
          `  Fix: base it on "scratch", on one of faultline's images (faultline images list), or on an image you build first.`,
      );
    }
  }
  const args = Object.entries(spec.args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
  await dockerBuild(runner, spec, hash, context, ["-f", dockerfile, ...args]);
}

/** The base image of each `FROM` line (ARG values substituted), and whether it names an earlier stage. */
export function dockerfileBases(
  text: string,
  args: Record<string, string> = {},
): { line: number; base: string; stage: boolean }[] {
  const defaults: Record<string, string> = {};
  const stages = new Set<string>();
  const out: { line: number; base: string; stage: boolean }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg && out.length === 0) defaults[arg[1]!] = args[arg[1]!] ?? arg[2] ?? "";
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) return;
    const base = from[1]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => defaults[n] ?? "");
    out.push({ line: i + 1, base, stage: stages.has(base.toLowerCase()) });
    if (from[2]) stages.add(from[2].toLowerCase());
  });
  return out;
}

async function buildDebian(
  spec: DebianRootfsImage,
  hash: string,
  runner: StepRunner,
  root: string,
  force: boolean,
) {
  const base = await rootfsRef(spec);
  if (force || !(await inspectImage(base))) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `Image ${spec.name}: debootstrap needs root to make the Debian root filesystem. Run "sudo npm run setup" once, or build as root.`,
      );
    }
    const mirror = await debianMirror(DEBIAN_SUITE);
    const dir = path.join(cacheDir(), "rootfs", spec.name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    await runner.run(`debootstrap ${DEBIAN_SUITE} (${spec.packages.join(", ")})`, "debootstrap", [
      "--variant=minbase",
      `--include=${spec.packages.join(",")}`,
      DEBIAN_SUITE,
      dir,
      mirror,
    ]);
    await runner.run(
      "trim root filesystem",
      `cd "${dir}" && rm -rf usr/share/doc/* usr/share/man/* usr/share/info/* usr/share/locale/* var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* var/log/* tmp/* && rm -f etc/hostname etc/resolv.conf`,
    );
    await runner.run(
      `docker import ${base}`,
      `set -o pipefail; tar --numeric-owner -C "${dir}" -c . | docker import - "${base}"`,
    );
    await rm(dir, { recursive: true, force: true });
    // Older root filesystems of this image are superseded.
    await runner.run(
      "remove superseded root filesystems",
      `docker images --format '{{.Repository}}:{{.Tag}}' 'faultline/${spec.name}-rootfs' | grep -vx '${base}' | xargs -r docker rmi`,
    );
  }
  const context = await scratchContext(runner, spec.name);
  await cp(path.join(root, spec.recipeDir), context, { recursive: true });
  if (spec.prepare === "maven-kafka") {
    await runner.run("mvn dependency:copy-dependencies (Kafka broker jars)", "mvn", [
      "-q",
      "-B",
      "-f",
      path.join(context, "pom.xml"),
      "dependency:copy-dependencies",
      "-DincludeScope=runtime",
      `-Dkafka.version=${KAFKA_VERSION}`,
      `-Dslf4j.version=${SLF4J_VERSION}`,
      `-DoutputDirectory=${path.join(context, "libs")}`,
    ]);
  }
  await dockerBuild(runner, spec, hash, context, ["--build-arg", `ROOTFS=${base}`]);
}

/** Removes every image of the catalog (for `images build --force` comparisons and tests). */
export async function removeImage(ref: string): Promise<void> {
  try {
    await docker().getImage(ref).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}
