/**
 * `faultline mutate --service payments --max-mutants 2` end to end on the real shop: Ctrl-C in
 * the middle of a mutant's catalog run leaves nothing (no mutant image, no container, no mutated
 * source, the service's own image untouched), then `--resume` finishes the run: both mutants
 * judged, the journal's mutation section and the report written, and again nothing left.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { docker } from "../../src/docker-client.ts";
import { projectRoot } from "../../src/paths.ts";
import { parseJournal } from "../../src/report/journal.ts";
import { faultlineBin, runFaultline } from "../support/faultline-cli.ts";

const cache = await mkdtemp(path.join(tmpdir(), "faultline-mutate-"));
const reports = await mkdtemp(path.join(tmpdir(), "faultline-mutate-reports-"));
const env = { FAULTLINE_CACHE_DIR: cache, FAULTLINE_REPORTS_DIR: reports };
// Deadline mutants of payments: its unit tests do not see them, so they reach the catalog.
const ARGS = ["mutate", "--service", "payments", "--max-mutants", "2", "--operator", "timeout-x30"];
const ARGS2 = ["--scenario", "payments-slow", "--seed", "11", "--budget", "12m"];

/**
 * What runs as the service's own image: built by the image pipeline (its input-hash label), never
 * a mutant's. (Its id may change during the test: other checkouts on this machine rebuild :dev.)
 */
async function devImage(ref: string): Promise<string> {
  const info = await docker().getImage(ref).inspect();
  const l = info.Config.Labels ?? {};
  return `${l["dev.faultline.mutant"] ? "mutant" : "pipeline"}:${l["dev.faultline.input-hash"] ? "hashed" : "unhashed"}`;
}
async function mutantImages(): Promise<string[]> {
  const imgs = await docker().listImages({ filters: JSON.stringify({ label: ["dev.faultline.mutant"] }) });
  return imgs.flatMap((i) => i.RepoTags ?? [i.Id]);
}
async function containersOf(runId: string): Promise<string[]> {
  const cs = await docker().listContainers({
    all: true,
    filters: JSON.stringify({ label: [`dev.faultline.run-id=${runId}`] }),
  });
  return cs.map((c) => c.Names[0] ?? c.Id);
}
/** The shop's Go sources as the user's tree holds them (a mutation must never land there). */
async function shopGoSources(): Promise<string> {
  const h = createHash("sha256");
  const dir = path.join(projectRoot(), "targets", "shop");
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".go")).sort();
  for (const f of files) h.update(f).update(await readFile(path.join(dir, f)));
  return `${files.length} files, ${h.digest("hex")}`;
}

describe("faultline mutate on the shop", () => {
  it("Ctrl-C mid-catalog leaves nothing; --resume finishes; score, survivors and report", async () => {
    expect(
      await devImage("faultline/shop-payments:dev"),
      "faultline/shop-payments:dev is built (npm run setup)",
    ).toBe("pipeline:hashed");
    const treeBefore = await shopGoSources();
    const runId = `${process.env.FAULTLINE_RUN_ID ?? "mutate-test"}-m`;

    // 1. Interrupted while the first mutant's image runs in the stack.
    const child = spawn(process.execPath, [faultlineBin, ...ARGS, ...ARGS2], {
      cwd: projectRoot(),
      env: { ...process.env, ...env, FAULTLINE_RUN_ID: runId },
    });
    let stderr = "";
    const swapped = new Promise<void>((resolve) => {
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        stderr += c;
        if (/payments runs faultline\/shop-payments:mutant-[0-9a-f]{10}/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await Promise.race([swapped, exited.then(() => undefined)]);
    expect(stderr, "a mutant reached the catalog").toMatch(/payments runs faultline\/shop-payments:mutant-/);
    expect(await mutantImages()).not.toEqual([]);
    child.kill("SIGINT");
    expect(await exited, stderr.slice(-3000)).toBe(130);
    expect(await mutantImages()).toEqual([]);
    expect(await containersOf(runId)).toEqual([]);
    expect(await devImage("faultline/shop-payments:dev")).toBe("pipeline:hashed");
    expect(await shopGoSources()).toBe(treeBefore);

    // 2. --resume continues the same run to the end.
    const r = await runFaultline(["mutate", "--resume", "--budget", "12m", "--json"], {
      ...env,
      FAULTLINE_RUN_ID: `${runId}2`,
    });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(r.stdout) as { reportDir: string; runId: string };
    const journal = parseJournal(
      JSON.parse(await readFile(path.join(out.reportDir, "journal.json"), "utf8")),
    );
    expect(out.reportDir.startsWith(reports)).toBe(true);
    const mu = journal.mutation!;
    const judged = mu.mutants.filter((m) => !["equivalent", "not-run"].includes(m.status));
    expect(judged).toHaveLength(2);
    for (const m of judged) {
      expect(m.service).toBe("payments");
      expect(m.operator).toBe("timeout-x30");
      expect(m.diff).toMatch(/^\+.*30 ?\* ?\(/m);
      expect(["killed", "killed-unit", "killed-startup", "survived", "timeout"]).toContain(m.status);
      if (m.status === "survived") {
        expect(m.scenarios.map((s) => s.scenario)).toEqual(["payments-slow"]);
        expect(m.hint).toMatch(/^no scenario /);
      }
    }
    expect(mu.baseline.map((b) => b.scenario)).toEqual(["payments-slow"]);
    expect(mu.byService.map((s) => s.name)).toEqual(["payments"]);
    const k = judged.filter((m) => m.status.startsWith("killed")).length;
    const s = judged.filter((m) => m.status === "survived").length;
    expect(mu.total.score).toBe(k + s ? k / (k + s) : null);
    const html = await readFile(path.join(out.reportDir, "index.html"), "utf8");
    expect(html).toContain('<section id="mutation">');
    expect(await mutantImages()).toEqual([]);
    expect(await containersOf(`${runId}2`)).toEqual([]);
    expect(await devImage("faultline/shop-payments:dev")).toBe("pipeline:hashed");
    expect(await shopGoSources()).toBe(treeBefore);
  }, 900_000);

  it("bad input names the flag and what is known", async () => {
    const svc = await runFaultline(["mutate", "--service", "paymnts"], env);
    expect(svc.code).toBe(2);
    expect(svc.stderr).toMatch(
      /--service: no service "paymnts" in target "shop" \(did you mean "payments"\?\)/,
    );
    const op = await runFaultline(["mutate", "--operator", "timeout"], env);
    expect(op.code).toBe(2);
    expect(op.stderr).toMatch(/--operator: unknown timeout; known: timeout-x30, timeout-removed/);
    const budget = await runFaultline(["mutate", "--budget", "soon"], env);
    expect(budget.code).toBe(2);
    expect(budget.stderr).toMatch(/--budget: "soon" is not a duration/);
  });
});
