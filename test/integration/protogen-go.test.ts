import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// tools/protogen's own checks, run from `npm test`: go vet and go test (the well-known types
// compile with no include folder, a missing import names the paths searched, protoc's flags).
const run = promisify(execFile);
const dir = path.join(projectRoot(), "tools", "protogen");

describe("tools/protogen: go vet, go test", () => {
  it("passes", async () => {
    const env = { ...process.env, GOWORK: "off", GOFLAGS: "-buildvcs=false" };
    await run("go", ["vet", "./..."], { cwd: dir, env });
    const r = await run("go", ["test", "-count=1", "./..."], { cwd: dir, env, maxBuffer: 16 << 20 });
    expect(r.stdout).toMatch(/^ok\s+faultline\.dev\/tools\/protogen/m);
  }, 300_000);
});
