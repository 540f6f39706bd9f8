import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { writeJournal } from "../../src/report/journal.ts";
import { renderIndex, renderRun, writeRunPage } from "../../src/report/render.ts";
import { findRun, listRunRows, listRuns, runRow } from "../../src/report/runs.ts";
import { serveReports } from "../../src/report/serve.ts";

describe("runs, index and serve", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "faultline-runs-"));
    for (const [id, day, failing] of [
      ["run-a1", 1, false],
      ["run-a2", 2, true],
      ["run-b3", 3, false],
    ] as const) {
      const j = syntheticJournal({
        runId: id,
        startedAt: `2026-11-0${day}T10:00:00.000Z`,
        failing,
        scenarios: 2,
        loadSeconds: 5,
      });
      const dir = path.join(root, id);
      await writeJournal(dir, j);
      await renderRun(dir, j);
    }
    await mkdir(path.join(root, "old-version"));
    await writeFile(
      path.join(root, "old-version", "journal.json"),
      JSON.stringify({ version: 0, runId: "x" }),
    );
    await mkdir(path.join(root, "not-a-run"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("lists runs newest first, an unreadable journal with its reason", async () => {
    const rows = (await listRuns(root)).map(runRow);
    expect(rows.map((r) => r.runId)).toEqual(["run-b3", "run-a2", "run-a1", "old-version"]);
    expect(rows[1]).toMatchObject({
      status: "failed",
      p95Ms: 231.4,
      areas: { contracts: "failed", footprint: "measured" },
    });
    expect(rows[1]!.passRate).toBeLessThan(1);
    expect(rows[0]).toMatchObject({
      status: "completed",
      passRate: 1,
      html: path.join(root, "run-b3", "index.html"),
    });
    expect(rows[3]).toMatchObject({
      status: "unreadable",
      error: expect.stringContaining("journal version 0 is not supported"),
    });
  });

  it("caches rows by journal size and time, and re-reads a journal that changed", async () => {
    const fresh = (await listRuns(root)).map(runRow);
    expect(await listRunRows(root)).toEqual(fresh);
    const cache = JSON.parse(await readFile(path.join(root, ".runs-cache.json"), "utf8")) as {
      rows: Record<string, unknown>;
    };
    expect(Object.keys(cache.rows).sort()).toEqual(["run-a1", "run-a2", "run-b3"]);
    expect(await listRunRows(root)).toEqual(fresh);
    const j = syntheticJournal({
      runId: "run-a1",
      startedAt: "2026-11-01T10:00:00.000Z",
      scenarios: 2,
      loadSeconds: 5,
    });
    await writeJournal(path.join(root, "run-a1"), { ...j, status: "interrupted", reason: "stopped" });
    expect((await listRunRows(root)).find((r) => r.runId === "run-a1")!.status).toBe("interrupted");
    await writeJournal(path.join(root, "run-a1"), j);
    expect((await listRunRows(root)).find((r) => r.runId === "run-a1")!.status).toBe("completed");
  });

  it("finds a run by id, by unique prefix, or the newest", async () => {
    expect((await findRun(root)).runId).toBe("run-b3");
    expect((await findRun(root, "run-a1")).runId).toBe("run-a1");
    expect((await findRun(root, "run-b")).runId).toBe("run-b3");
    await expect(findRun(root, "run-a")).rejects.toThrow('run id "run-a" is ambiguous');
    await expect(findRun(root, "zzz")).rejects.toThrow(`no run "zzz" under ${root}`);
    await expect(findRun(path.join(root, "nothing-here"))).rejects.toThrow("no runs under");
  });

  it("writes an index linking every run's page, with the trend chart's data", async () => {
    const file = await renderIndex(root);
    const html = await readFile(file, "utf8");
    for (const id of ["run-a1", "run-a2", "run-b3"])
      expect(html).toContain(`<a href="${id}/index.html">${id}</a>`);
    expect(html).toContain("journal version 0 is not supported");
    const specs = JSON.parse(html.match(/id="faultline-charts">([^<]*)<\/script>/)![1]!) as {
      x: number[];
      series: { label: string; values: number[] }[];
    }[];
    expect(specs[0]!.x).toHaveLength(3);
    expect(specs[0]!.series.map((s) => s.label)).toEqual(["pass rate", "p95"]);
    expect(specs[0]!.series[0]!.values[0]).toBe(100);
    expect(specs[0]!.series[1]!.values).toEqual([48.7, 231.4, 48.7]);
  });

  it("writeRunPage writes the run's files and the index, and returns the page", async () => {
    const j = syntheticJournal({
      runId: "run-c4",
      startedAt: "2026-11-04T10:00:00.000Z",
      scenarios: 1,
      loadSeconds: 0,
    });
    const dir = path.join(root, "run-c4");
    await writeJournal(dir, j);
    expect(await writeRunPage(dir, j)).toBe(path.join(dir, "index.html"));
    for (const f of ["index.html", "junit.xml", "summary.md"])
      await expect(readFile(path.join(dir, f), "utf8")).resolves.not.toBe("");
    const page = await readFile(path.join(dir, "index.html"), "utf8");
    expect(page).toContain('<a href="../index.html">All runs</a> <a href="journal.json">journal.json</a>');
    expect(await readFile(path.join(root, "index.html"), "utf8")).toContain('<a href="run-c4/index.html">');
  });

  it("serves the folder on 127.0.0.1 only, and nothing outside it", async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), "faultline-outside-"));
    await writeFile(path.join(outside, "secret.txt"), "secret");
    await symlink(path.join(outside, "secret.txt"), path.join(root, "escape.txt"));
    await using server = await serveReports(root, 0);
    expect(server.host).toBe("127.0.0.1");
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await index.text()).toContain("faultline · runs");
    const run = await fetch(`${server.url}run-a2/junit.xml`);
    expect(run.status).toBe(200);
    expect(await run.text()).toContain("<testsuites");
    expect((await fetch(`${server.url}..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.url}escape.txt`)).status).toBe(404);
    expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
    await rm(outside, { recursive: true, force: true });
  });
});
