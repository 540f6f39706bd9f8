// The harness's own images, pinned in this one file. No image is ever pulled: each one is built on
// this machine from the package registries (Go module proxy, Maven Central, Debian's archive).
// A target's services are not listed here: its manifest says how each is built (`build:`, see
// docs/manifest.md), and src/env/manifest.ts turns that into the image specs below.

export const TOXIPROXY_VERSION = "2.12.0";
export const POSTGRES_MAJOR = "15";
export const KAFKA_VERSION = "4.1.1";
export const SLF4J_VERSION = "1.7.36";
export const DEBIAN_SUITE = "bookworm";
/** Jaeger v2 (cmd/jaeger), the trace backend; pinned in tools/jaeger/go.mod. */
export const JAEGER_VERSION = "1.76.0";

/** The label that carries the hash of an image's inputs; an image is current when it matches. */
export const INPUT_HASH_LABEL = "dev.faultline.input-hash";
export const IMAGE_NAME_LABEL = "dev.faultline.image";
export const BUILT_AT_LABEL = "dev.faultline.built-at";

/** A static Go binary from a module on the Go module proxy, in a FROM scratch image. */
export interface GoModuleImage {
  kind: "go-module";
  name: string;
  ref: string;
  module: string;
  version: string;
  /** Package path inside the module, built with `go install <pkg>@<version>`. */
  pkg: string;
  ldflags: string;
  binary: string;
  entrypoint: string[];
  cmd: string[];
  expose: number[];
}

/** A Debian root filesystem made with debootstrap, imported, then finished by a Dockerfile. */
export interface DebianRootfsImage {
  kind: "debian-rootfs";
  name: string;
  ref: string;
  packages: string[];
  /** Folder under scripts/images/ holding the Dockerfile and files it copies (hashed as inputs). */
  recipeDir: string;
  /** Optional step run before the Dockerfile, e.g. resolving Kafka's jars with Maven. */
  prepare?: "maven-kafka";
}

/** A Go main package built from a source tree (a module or a workspace) into a FROM scratch image. */
export interface GoSourceImage {
  kind: "go-source";
  name: string;
  ref: string;
  /** Module or workspace root (holds go.mod or go.work): relative to the project root, or absolute. */
  workspace: string;
  /** Files and folders (relative to the workspace) whose contents are the image's inputs. */
  inputs: string[];
  /** Package to build, relative to the workspace (`./cmd/x`). */
  pkg: string;
  binary: string;
  expose: number[];
  /** Go build tags (`go build -tags=...`). */
  tags?: string[];
  /** Arguments after the entry point (CMD). */
  cmd?: string[];
  /** Files of the workspace (also listed in inputs) copied to / in the image, e.g. a config. */
  files?: string[];
}

/** A Dockerfile build, as docker compose's `build: { context, dockerfile, args }` (never pulls). */
export interface DockerfileImage {
  kind: "dockerfile";
  name: string;
  ref: string;
  /** The build context: relative to the project root, or absolute. Every file in it is an input. */
  context: string;
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
  args: Record<string, string>;
}

export type ImageSpec = GoModuleImage | DebianRootfsImage | GoSourceImage | DockerfileImage;

export const IMAGES: readonly ImageSpec[] = [
  {
    kind: "go-module",
    name: "toxiproxy",
    ref: `faultline/toxiproxy:${TOXIPROXY_VERSION}`,
    module: "github.com/Shopify/toxiproxy/v2",
    version: `v${TOXIPROXY_VERSION}`,
    pkg: "github.com/Shopify/toxiproxy/v2/cmd/server",
    ldflags: `-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`,
    binary: "toxiproxy",
    entrypoint: ["/toxiproxy"],
    cmd: ["-host=0.0.0.0"],
    expose: [8474],
  },
  {
    kind: "debian-rootfs",
    name: "postgres",
    ref: `faultline/postgres:${POSTGRES_MAJOR}`,
    packages: [`postgresql-${POSTGRES_MAJOR}`],
    recipeDir: "scripts/images/postgres",
  },
  {
    kind: "debian-rootfs",
    name: "kafka",
    ref: `faultline/kafka:${KAFKA_VERSION}`,
    packages: ["openjdk-17-jre-headless"],
    recipeDir: "scripts/images/kafka",
    prepare: "maven-kafka",
  },
  {
    // The load runner (tools/loadrunner): fasthttp for HTTP, grpc-go for gRPC, goja for k6 scripts; run on a stack's network.
    kind: "go-source",
    name: "loadrunner",
    ref: "faultline/loadrunner:dev",
    workspace: "tools/loadrunner",
    inputs: ["go.mod", "go.sum", "cmd", "runner", "k6"],
    pkg: "./cmd/loadrunner",
    binary: "loadrunner",
    expose: [],
    // Build tags that trim unused code (gRPC's x/net/trace, net/http's bundled HTTP/2); its own
    // checks (test/integration/loadrunner-go.test.ts) run with the same tags.
    tags: ["grpcnotrace", "nethttpomithttp2", "nopgxregisterdefaulttypes"],
  },
  {
    // The trace backend (tools/jaeger): Jaeger v2, in-memory storage, OTLP in, its query API out.
    // Its module is a tool dependency of tools/jaeger/go.mod (go install refuses its replace directive).
    kind: "go-source",
    name: "jaeger",
    ref: `faultline/jaeger:${JAEGER_VERSION}`,
    workspace: "tools/jaeger",
    inputs: ["go.mod", "go.sum", "config.yaml"],
    pkg: "github.com/jaegertracing/jaeger/cmd/jaeger",
    binary: "jaeger",
    cmd: ["--config=/config.yaml"],
    files: ["config.yaml"],
    expose: [4318, 16686, 13133],
  },
];

export function imageByName(name: string): ImageSpec | undefined {
  return IMAGES.find((i) => i.name === name);
}

/** The reference of a harness image by its catalog name (`toxiproxy`, `postgres`, ...). */
export function imageRef(name: string): string {
  const spec = imageByName(name);
  if (!spec)
    throw new Error(
      `No image named "${name}" in src/images/catalog.ts; known: ${IMAGES.map((i) => i.name).join(", ")}`,
    );
  return spec.ref;
}

/** A manifest's image: a catalog name ("postgres") resolves to its reference; anything else is one. */
export function resolveImage(image: string): string {
  return imageByName(image)?.ref ?? image;
}
