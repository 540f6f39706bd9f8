/**
 * The chaos catalog on the real shop, on one stack: every scenario must hold on the correct
 * target and deviate, for the reason it names, with each sabotage switch it claims to catch
 * (faultline chaos verify-detection). No retries: a retry would hide what this exists to find.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runChaosJob } from "../../src/chaos/chaos-run.ts";
import { docker } from "../../src/docker-client.ts";
import { LABEL_RUN_ID } from "../../src/env/run-labels.ts";
import { projectRoot } from "../../src/paths.ts";
import { parseJournal } from "../../src/report/journal.ts";

const root = projectRoot();

describe("chaos catalog (verify-detection, one stack)", () => {
  it(
    "every scenario holds on the correct shop and catches each switch it claims, for its reason",
    async () => {
      const r = await runChaosJob({
        root,
        target: "shop",
        runId: `test-chaos-${randomUUID().slice(0, 8)}`,
        seed: 7,
        detection: true,
        log: (l) => process.stderr.write(`${l}\n`),
        onEvent: (e) => {
          if (e.type === "result")
            process.stderr.write(
              `chaos: ${e.result.name} [${e.result.sabotage.join(",") || "correct"}] ${e.result.status} in ${(e.result.durationMs / 1000).toFixed(1)} s\n`,
            );
        },
      });
      // A harness error (a container gone, Docker down) ends the job without a matrix: say so.
      // ("failed" is a matrix with a wrong cell: the cells below say which.)
      expect(["completed", "failed"], `${r.journal.reason ?? ""} (report: ${r.htmlFile})`).toContain(
        r.journal.status,
      );
      const d = r.journal.chaos!.detection!;
      const wrong = d.cells
        .filter((c) => !c.ok)
        .map((c) => {
          const res = r.journal.chaos!.scenarios.find(
            (s) =>
              s.name === c.scenario &&
              (c.switch === "none" ? s.sabotage.length === 0 : s.sabotage.includes(c.switch)),
          );
          return `${c.scenario} × ${c.switch}: expected ${c.expected}, got ${c.status}${c.reason ? ` (${c.reason})` : ""}${res?.reason ? ` — ${res.reason}` : ""}${res?.failures.length ? ` — ${res.failures.map((f) => `${f.check}: ${f.evidence}`).join(" | ")}` : ""}`;
        });
      expect(wrong, `detection matrix cells that are not as expected (report: ${r.htmlFile})`).toEqual([]);
      expect(r.journal.status).toBe("completed");
      // Every switch of the target is caught by some scenario, except those chaos does not own.
      expect(d.uncovered.sort()).toEqual(["breaking-change"]); // drop-trace-context: trace-connected
      expect(d.cells.filter((c) => c.switch === "none")).toHaveLength(d.scenarios.length);
      expect(d.scenarios.length).toBeGreaterThanOrEqual(12);
      // The journal on disk is valid and complete.
      const onDisk = parseJournal(JSON.parse(await readFile(path.join(r.reportDir, "journal.json"), "utf8")));
      expect(onDisk.chaos!.scenarios.length).toBe(d.cells.length);
    },
    45 * 60_000,
  );
});

describe("chaos run interrupted (Ctrl-C mid-fault)", () => {
  it("rolls the fault back, writes an interrupted journal, exits 130 and leaves no container", async () => {
    const runId = `test-chaos-int-${randomUUID().slice(0, 8)}`;
    const child = spawn(
      process.execPath,
      [path.join(root, "bin", "faultline.mjs"), "chaos", "run", "orders-postgres-cut", "--seed", "3"],
      {
        cwd: root,
        env: { ...process.env, FAULTLINE_RUN_ID: runId, TESTCONTAINERS_RYUK_DISABLED: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    const faultInForce = new Promise<void>((resolve) => {
      child.stderr.on("data", (b: Buffer) => {
        stderr += b.toString();
        if (/fault orders-db-cut: cut orders->postgres; in force/.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    await Promise.race([
      faultInForce,
      exited.then(() => Promise.reject(new Error(`exited before the fault:\n${stderr}`))),
    ]);
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stderr).toBe(130);
    const report = /Report: (\S+)/.exec(stdout)?.[1];
    expect(report, stdout).toBeDefined();
    const j = parseJournal(
      JSON.parse(await readFile(path.join(root, path.dirname(report!), "journal.json"), "utf8")),
    );
    expect(j.status).toBe("interrupted");
    const s = j.chaos!.scenarios[0]!;
    expect(s.status).toBe("interrupted");
    expect(s.rollbacks).toContainEqual(expect.objectContaining({ fault: "orders-db-cut", status: "ok" }));
    expect(s.faults[0]!.end, "the fault window is closed").toBeDefined();
    const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] });
    expect(await docker().listContainers({ all: true, filters })).toEqual([]);
    expect(await docker().listNetworks({ filters })).toEqual([]);
  }, 300_000);
});
