import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// tools/loadrunner's own checks, with the build tags its image is built with
// (GO_BUILD_FLAGS in src/images/image-builder.ts), so what ships is what is tested.
const run = promisify(execFile);
const dir = path.join(projectRoot(), "tools", "loadrunner");
const TAGS = "-tags=grpcnotrace,nethttpomithttp2,nopgxregisterdefaulttypes";

async function go(...args: string[]) {
  return run("go", args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 }).then(
    (ok) => ({ code: 0, out: `${ok.stdout}${ok.stderr}` }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      code: err.code ?? 1,
      out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
    }),
  );
}

describe("tools/loadrunner: go vet and go test -race", () => {
  it("go vet", async () => {
    const r = await go("vet", TAGS, "./...");
    expect(r.code, r.out).toBe(0);
  });
  it("go test -race -count=1", async () => {
    const r = await go("test", "-race", "-count=1", TAGS, "./...");
    expect(r.code, r.out.slice(-8000)).toBe(0);
    expect(r.out).toMatch(/^ok\s+faultline\.dev\/tools\/loadrunner\/runner/m);
  }, 600_000);
});
