import { execFile } from "node:child_process";
import { access, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { cacheDir, projectRoot } from "../../src/paths.ts";

// targets/shop's own checks, run from `npm test`: go vet, staticcheck and go test -race for
// every module of the workspace. Its PostgreSQL tests use the project's image through
// testcontainers-go, with Ryuk disabled.
const run = promisify(execFile);
const STATICCHECK = "honnef.co/go/tools/cmd/staticcheck@v0.8.2";
const workspace = path.join(projectRoot(), "targets", "shop");

async function modules(): Promise<string[]> {
  const work = await readFile(path.join(workspace, "go.work"), "utf8");
  const block = /use\s*\(([^)]*)\)/s.exec(work)?.[1] ?? "";
  const dirs = block
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("//"));
  const present: string[] = [];
  for (const d of dirs) {
    try {
      await access(path.join(workspace, d, "go.mod"));
      present.push(d.replace(/^\.\//, ""));
    } catch {
      // listed but absent: go itself reports that in the first module's checks
    }
  }
  return present;
}

async function go(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    const r = await run(args[0]!, args.slice(1), {
      cwd,
      env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: "true", ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    return { code: 0, out: `${r.stdout}${r.stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

const mods = await modules();
const staticcheckBin = path.join(cacheDir(), "go-bin", "staticcheck-v0.8.2", "staticcheck");

describe.runIf(mods.length > 0)("targets/shop Go modules", () => {
  beforeAll(async () => {
    try {
      await access(staticcheckBin);
    } catch {
      await mkdir(path.dirname(staticcheckBin), { recursive: true });
      const r = await go(["go", "install", STATICCHECK], workspace, { GOBIN: path.dirname(staticcheckBin) });
      expect(r.code, r.out).toBe(0);
    }
  }, 600_000);

  for (const mod of mods) {
    const dir = path.join(workspace, mod);
    it(`${mod}: go vet`, async () => {
      const r = await go(["go", "vet", "./..."], dir);
      expect(r.code, r.out).toBe(0);
    }, 600_000);
    it(`${mod}: staticcheck`, async () => {
      const r = await go([staticcheckBin, "./..."], dir);
      expect(r.code, r.out).toBe(0);
    }, 600_000);
    it(`${mod}: go test -race -count=1`, async () => {
      const r = await go(["go", "test", "-race", "-count=1", "./..."], dir);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/^FAIL/m);
    }, 900_000);
  }
});
