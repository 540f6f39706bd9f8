/**
 * What every driver's stack answers the same way from the manifest alone: the edge a name
 * stands for, a service's recorded environment, an environment with a change applied. The
 * drivers (src/env/docker, src/env/kubernetes, the attached stack) differ in how they reach
 * containers and proxies, never in these.
 */
import { HOST_KAFKA_EDGE } from "./stack-interface.ts";
import type { Edge, Manifest } from "./manifest.ts";

/** The edge named `from->to` (or the host's edge to Kafka, when the stack has one); unknown names list the known ones. */
export function edgeSpec(manifest: Manifest, name: string, hostKafka: boolean, known: string[]): Edge {
  const spec =
    manifest.edges.find((e) => e.name === name) ??
    (name === HOST_KAFKA_EDGE && hostKafka
      ? { name, from: "host", to: "kafka", toKind: "kafka" as const, dependency: { env: "KAFKA_BROKERS" } }
      : undefined);
  if (!spec) throw new Error(`No edge "${name}" in target "${manifest.name}"; edges: ${known.join(", ")}`);
  return spec;
}

/** The manifest's edges, and the host's edge to Kafka when the stack has one. */
export function edgeNamesOf(manifest: Manifest, hostKafka: boolean): string[] {
  return [...manifest.edges.map((e) => e.name), ...(hostKafka ? [HOST_KAFKA_EDGE] : [])];
}

/** A copy of the environment a service was started with; an unknown service lists the known ones. */
export function serviceEnvironment(
  manifest: Manifest,
  envs: ReadonlyMap<string, Record<string, string>>,
  service: string,
): Record<string, string> {
  const env = envs.get(service);
  if (!env)
    throw new Error(
      `No service "${service}" in target "${manifest.name}"; services: ${Object.keys(manifest.services).join(", ")}`,
    );
  return { ...env };
}

/** `env` with `change` applied in place: a value set, undefined removes the variable. */
export function applyEnvChange(
  env: Record<string, string>,
  change: Record<string, string | undefined>,
): Record<string, string> {
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
