import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// targets/shop's own checks, run from `npm test`: targets/shop/scripts/go-check.sh (go vet,
// staticcheck, go test -race -count=1) for every module of the workspace, one test per module.
// Its PostgreSQL tests run the project's image through testcontainers-go with Ryuk disabled.
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
        const r = await run("bash", [path.join(workspace, "scripts", "go-check.sh"), mod], {
          cwd: workspace,
          env: {
            ...process.env,
            TESTCONTAINERS_RYUK_DISABLED: "true",
            // This machine has /.dockerenv, so testcontainers-go would dial the default gateway.
            TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? "localhost",
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
        expect(r.code, r.out.slice(-8000)).toBe(0);
      },
      900_000,
    );
  }
});
