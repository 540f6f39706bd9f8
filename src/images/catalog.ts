// Every image faultline uses, pinned in this one file. No image is ever pulled: each one is built
// on this machine from the package registries (Go module proxy, Maven Central, Debian's archive).

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

export const SHOP_SERVICES = ["gateway", "orders", "payments", "inventory", "notifications"] as const;
export type ShopService = (typeof SHOP_SERVICES)[number];

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

/** A Go service of a target, built from its source tree into a FROM scratch image. */
export interface GoSourceImage {
  kind: "go-source";
  name: string;
  ref: string;
  /** Go workspace root, relative to the project root. */
  workspace: string;
  /** Folders (relative to the workspace) whose files are the image's inputs. */
  inputs: string[];
  /** Package to build, relative to the workspace. */
  pkg: string;
  binary: string;
  expose: number[];
  /** Go build flags instead of the shop's (default: image-builder.ts GO_BUILD_FLAGS). */
  flags?: string[];
  /** Arguments after the entry point (CMD). */
  cmd?: string[];
  /** Files of the workspace (also listed in inputs) copied to / in the image, e.g. a config. */
  files?: string[];
}

export type ImageSpec = GoModuleImage | DebianRootfsImage | GoSourceImage;

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
  ...SHOP_SERVICES.map((svc): GoSourceImage => ({
    kind: "go-source",
    name: `shop-${svc}`,
    ref: `faultline/shop-${svc}:dev`,
    workspace: "targets/shop",
    inputs: ["go.work", "go.work.sum", "proto", "platform", svc],
    pkg: `./${svc}/cmd/${svc}`,
    binary: svc,
    expose: svc === "gateway" || svc === "notifications" ? [8080] : [8080, 9090],
  })),
  {
    // The load runner (tools/loadrunner): vegeta for HTTP, grpc-go for gRPC; run on a stack's network.
    kind: "go-source",
    name: "loadrunner",
    ref: "faultline/loadrunner:dev",
    workspace: "tools/loadrunner",
    inputs: ["go.mod", "go.sum", "cmd", "runner"],
    pkg: "./cmd/loadrunner",
    binary: "loadrunner",
    expose: [],
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
    flags: ["-trimpath", "-ldflags=-s -w"],
    cmd: ["--config=/config.yaml"],
    files: ["config.yaml"],
    expose: [4318, 16686, 13133],
  },
];

export function imageByName(name: string): ImageSpec | undefined {
  return IMAGES.find((i) => i.name === name);
}

export function imageRef(name: string): string {
  const spec = imageByName(name);
  if (!spec)
    throw new Error(
      `No image named "${name}" in src/images/catalog.ts; known: ${IMAGES.map((i) => i.name).join(", ")}`,
    );
  return spec.ref;
}
