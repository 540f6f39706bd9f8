/**
 * The copy of a target's source a mutation run works in (never the user's tree): made once per
 * run, one mutant written into it at a time and the original put back after, and the cheap
 * checks run there: `go build` of the service, then its own `go test -short`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Mutant } from "./generator.ts";
import { imageBuildArgs } from "./mutant-image.ts";

const SKIP = new Set([".git", "node_modules", ".cache", "reports"]);

/** Copies `src` (a Go module or workspace root) to `dest`, replacing what was there. */
export async function copyTree(src: string, dest: string): Promise<void> {
  await rm(dest, { recursive: true, force: true });
  await cp(src, dest, {
    recursive: true,
    filter: (from) => !SKIP.has(path.basename(from)),
  });
}

/**
 * Writes the mutant into the copy, runs `fn`, and puts the original file back whatever happens.
 * The original is read from the user's tree (`pristine`), so a copy left dirty by a killed run
 * is mended by the next mutant of that file.
 */
export async function withMutant<T>(
  copy: string,
  pristine: string,
  m: Mutant,
  fn: () => Promise<T>,
): Promise<T> {
  const file = path.join(copy, m.file);
  const original = await readFile(path.join(pristine, m.file), "utf8");
  await writeFile(file, m.content);
  try {
    return await fn();
  } finally {
    await writeFile(file, original);
  }
}

/** Puts every file a mutant may have changed back from the user's tree (after a killed run). */
export async function mendCopy(copy: string, pristine: string, files: Iterable<string>): Promise<void> {
  for (const f of new Set(files)) {
    const src = path.join(pristine, f);
    if (existsSync(src)) await writeFile(path.join(copy, f), await readFile(src));
  }
}

export interface GoResult {
  ok: boolean;
  timedOut: boolean;
  output: string;
  durationMs: number;
}

function go(cwd: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<GoResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      "nice",
      ["-n", "10", "go", ...args],
      {
        cwd,
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        signal,
        maxBuffer: 32 * 1024 * 1024,
        env: {
          ...process.env,
          GOFLAGS: "-buildvcs=false",
          CGO_ENABLED: "0",
          TESTCONTAINERS_RYUK_DISABLED: "true",
        },
      },
      (err, stdout, stderr) => {
        const e = err as (Error & { killed?: boolean; code?: number | string }) | null;
        resolve({
          ok: !e,
          timedOut: Boolean(e?.killed) && !signal?.aborted,
          output: `${stdout}${stderr}`,
          durationMs: Date.now() - t0,
        });
      },
    );
  });
}

const tagArgs = (tags: string[]) => (tags.length ? [`-tags=${tags.join(",")}`] : []);

/** `go build` of the service's main package in the copy, as its image builds it: a mutant must build. */
export function goBuild(
  copy: string,
  pkg: string,
  tags: string[],
  out: string,
  signal?: AbortSignal,
): Promise<GoResult> {
  return go(copy, imageBuildArgs(tags, out, pkg), 300_000, signal);
}

/** The service's own unit tests (and the mutated package's), `go test -short`. */
export function goTest(
  copy: string,
  patterns: string[],
  tags: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<GoResult> {
  const testTimeout = `${Math.max(30, Math.floor(timeoutMs / 1000) - 10)}s`;
  return go(
    copy,
    ["test", "-short", "-count=1", `-timeout=${testTimeout}`, ...tagArgs(tags), ...patterns],
    timeoutMs,
    signal,
  );
}

/** The folder of the Go module that holds `pkg` (relative to the copy: `./payments`). */
export function moduleOf(copy: string, pkg: string): string {
  let dir = path.resolve(copy, pkg);
  while (dir.startsWith(copy) && dir !== copy) {
    if (existsSync(path.join(dir, "go.mod"))) return `./${path.relative(copy, dir)}`;
    dir = path.dirname(dir);
  }
  return ".";
}

/** The test patterns for a mutant: the service's module, and the mutated package when elsewhere. */
export function testPatterns(copy: string, pkg: string, m: Mutant): string[] {
  const mod = moduleOf(copy, pkg);
  const own = mod === "." ? "./..." : `${mod}/...`;
  const dir = `./${path.dirname(m.file)}`;
  return mod !== "." && !dir.startsWith(`${mod}/`) && dir !== mod ? [own, dir] : [own];
}

/** The first lines of a failed go test that say what failed. */
export function firstFailure(output: string): string {
  const lines = output.split("\n");
  const fail = lines.find((l) => /^\s*--- FAIL: /.test(l));
  const panic = lines.find((l) => /^panic: /.test(l));
  const pkg = lines.find((l) => /^FAIL\s+\S+/.test(l));
  return (
    (fail?.trim() ?? panic?.trim() ?? lines.find((l) => l.trim())?.trim() ?? "failed") +
    (pkg ? ` (${pkg.trim()})` : "")
  );
}
