/**
 * The unit project runs without Docker and without spawning the pact CLI or the Pact FFI
 * verifier: a test that does either belongs to the integration project (vitest.config.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

const root = projectRoot();

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return testFiles(rel);
    return d.name.endsWith(".test.ts") ? [rel] : [];
  });
}

/** What a unit test must not reach for: the tools it would spawn, and the kit that spawns them. */
const SPAWNERS: [RegExp, string][] = [
  [/broker-test-kit/, "the broker test kit (it spawns the pact CLI and the FFI verifier)"],
  [/\bpactCliBinary\b|\brunPactBroker\b/, "the pact CLI"],
  [/\bnew Verifier\b|\bverifyProvider\(/, "the Pact FFI verifier"],
  [/\bstartBrokerServer\(/, "a broker server (its tests drive it with the pact CLI)"],
];

describe("the unit project", () => {
  const files = [...testFiles("test/unit"), ...testFiles("src")];

  it("finds the unit test files", () => {
    expect(files).toContain(path.join("test", "unit", "unit-project.test.ts"));
  });

  it("spawns neither the pact CLI nor the FFI verifier", () => {
    const offenders = files.flatMap((f) => {
      if (f.endsWith("unit-project.test.ts")) return [];
      const text = fs.readFileSync(path.join(root, f), "utf8");
      return SPAWNERS.filter(([re]) => re.test(text)).map(([, what]) => `${f}: ${what}`);
    });
    expect(offenders, "move these to test/integration/").toEqual([]);
  });
});
