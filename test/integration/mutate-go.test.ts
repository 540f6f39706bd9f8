import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// tools/mutate's own checks: every operator's mutant of the fixture, and that it builds.
const run = promisify(execFile);
const dir = path.join(projectRoot(), "tools", "mutate");

async function go(...args: string[]) {
  return run("go", args, {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
    env: { ...process.env, GOWORK: "off", GOFLAGS: "-buildvcs=false" },
  }).then(
    (ok) => ({ code: 0, out: `${ok.stdout}${ok.stderr}` }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    }),
  );
}

describe("tools/mutate: go vet and go test -race", () => {
  it("go vet", async () => {
    const r = await go("vet", "./...");
    expect(r.code, r.out).toBe(0);
  });
  it("go test -race -count=1 (each operator: its mutant of the fixture, and it builds)", async () => {
    const r = await go("test", "-race", "-count=1", "-v", "./...");
    expect(r.code, r.out.slice(-8000)).toBe(0);
    expect(r.out).toMatch(/^ok\s+faultline\.dev\/tools\/mutate\/mutate/m);
    for (const op of ["timeout-x30", "retry-once", "offset-commit-early", "breaker-never-trips"])
      expect(r.out).toContain(`--- PASS: TestOperators_makeTheirMutantAndItBuilds/${op}`);
  }, 600_000);
});
