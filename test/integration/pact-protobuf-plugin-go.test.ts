import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// tools/pact-protobuf-plugin's own checks, run from `npm test`: go vet and go test -race
// (expressions, matching and mismatch messages, the schema check; protoc compiles the test protos).
const run = promisify(execFile);
const dir = path.join(projectRoot(), "tools", "pact-protobuf-plugin");

describe("tools/pact-protobuf-plugin: go vet, go test -race", () => {
  it("passes", async () => {
    const env = { ...process.env, GOWORK: "off", GOFLAGS: "-buildvcs=false" };
    await run("go", ["vet", "./..."], { cwd: dir, env });
    const r = await run("go", ["test", "-race", "-count=1", "./..."], { cwd: dir, env, maxBuffer: 16 << 20 });
    expect(r.stdout).toMatch(/^ok\s+faultline\.dev\/tools\/pact-protobuf-plugin\/plugin/m);
  }, 600_000);
});
