import { execFile } from "node:child_process";
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";
import { summariseGoTestJson } from "../support/go-test-json.ts";

// targets/shop's own checks, run from `npm test`: targets/shop/scripts/go-check.sh (go vet,
// staticcheck, go test -race -count=1) for every module of the workspace, one test per module.
// Its PostgreSQL and Kafka tests run the project's images through testcontainers-go with Ryuk
// disabled. The exit code is not enough: a test that skipped (Docker not reachable, -short)
// tested nothing, so the `go test -json` events are read and any skipped test fails the module.
const run = promisify(execFile);
const workspace = path.join(projectRoot(), "targets", "shop");

const work = await readFile(path.join(workspace, "go.work"), "utf8");
const modules = (/use\s*\(([^)]*)\)/s.exec(work)?.[1] ?? "")
  .split("\n")
  .map((l) => l.trim().replace(/^\.\//, ""))
  .filter((l) => l && !l.startsWith("//"));

describe("targets/shop Go modules: go vet, staticcheck, go test -race", () => {
  it("the workspace lists the seven modules", () => {
    expect([...modules].sort()).toEqual([
      "gateway",
      "inventory",
      "notifications",
      "orders",
      "payments",
      "platform",
      "proto",
    ]);
  });

  for (const mod of modules) {
    it(
      mod,
      async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `faultline-go-${mod}-`));
        const events = path.join(dir, "go-test.jsonl");
        try {
          const r = await run("bash", [path.join(workspace, "scripts", "go-check.sh"), mod], {
            cwd: workspace,
            env: {
              ...process.env,
              // pgtest fails instead of skipping when Docker is not reachable.
              CI: "true",
              GO_TEST_JSON: events,
              TESTCONTAINERS_RYUK_DISABLED: "true",
              // This machine has /.dockerenv, so testcontainers-go would dial the default gateway.
              TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? "127.0.0.1",
            },
            maxBuffer: 64 * 1024 * 1024,
            timeout: 900_000,
          }).then(
            (ok) => ({ code: 0, out: `${ok.stdout}${ok.stderr}` }),
            (err: { code?: number; stdout?: string; stderr?: string }) => ({
              code: err.code ?? 1,
              out: `${err.stdout ?? ""}${err.stderr ?? ""}`,
            }),
          );
          const tests = summariseGoTestJson(fs.existsSync(events) ? fs.readFileSync(events, "utf8") : "");
          const why = `${r.out.slice(-4000)}\n${tests.output.slice(-4000)}`;
          expect(r.code, why).toBe(0);
          expect(tests.failed, why).toEqual([]);
          expect(tests.failedPackages, why).toEqual([]);
          expect(tests.skipped, `skipped tests tested nothing:\n${why}`).toEqual([]);
          // proto holds generated code only; every other module has tests that ran.
          if (mod !== "proto") expect(tests.passed.length, why).toBeGreaterThan(0);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
      900_000,
    );
  }
});
