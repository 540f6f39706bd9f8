// A target needs one Toxiproxy proxy per edge (and one for the host's way to Kafka); the standard
// Toxiproxy module publishes a fixed pool of 32 proxy ports. A target that needs more is refused
// before anything touches Docker, naming the manifest and the fix.
import { describe, expect, it } from "vitest";
import { TOXIPROXY_PROXY_PORTS } from "../../src/env/managed-container.ts";
import { parseManifest } from "../../src/env/manifest.ts";
import { Environment, StackStartError } from "../../src/env/stack.ts";

/** A target with `n` services, each depending on one PostgreSQL (n edges), and Kafka if asked. */
function manifest(n: number, kafka: boolean) {
  const lines = ["name: wide", "infrastructure:", "  db: { kind: postgres, image: postgres }"];
  if (kafka) lines.push("  bus: { kind: kafka, image: kafka }");
  lines.push("services:");
  for (let i = 0; i < n; i++) {
    lines.push(`  s${i}:`, `    image: faultline/s${i}:1`, "    ports: { http: 8080 }", "    dependsOn:");
    lines.push("      db: { env: DATABASE_URL }");
  }
  return parseManifest(lines.join("\n") + "\n", "wide.yaml", { knownImage: () => true });
}

describe("the Toxiproxy port pool", () => {
  it("a target with more edges than proxy ports is refused, naming the file and the fix", async () => {
    const m = manifest(TOXIPROXY_PROXY_PORTS + 1, false);
    expect(m.edges.length).toBe(TOXIPROXY_PROXY_PORTS + 1);
    const err = await new Environment(m).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackStartError);
    expect((err as Error).message).toMatch(
      /wide\.yaml.*33 edges.*32 proxy ports.*Fix: list at most 32 dependsOn/s,
    );
  });

  it("with Kafka, the host's Kafka edge takes one port of the pool", async () => {
    const m = manifest(TOXIPROXY_PROXY_PORTS, true);
    const err = await new Environment(m).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackStartError);
    expect((err as Error).message).toMatch(/host's way to Kafka.*Fix: list at most 31 dependsOn/s);
  });
});
