import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { writeJournal } from "../../src/report/journal.ts";
import { renderRun } from "../../src/report/render.ts";
import { faultlineBin as bin, runFaultline } from "../support/faultline-cli.ts";

let reports: string;

const faultline = (args: string[], env: Record<string, string> = {}) =>
  runFaultline(args, { FAULTLINE_REPORTS_DIR: reports, ...env });

describe("faultline report, as a user runs it", () => {
  beforeAll(async () => {
    reports = await mkdtemp(path.join(tmpdir(), "faultline-report-cli-"));
    const runs = [
      syntheticJournal({
        runId: "2026-11-01-aaa",
        startedAt: "2026-11-01T10:00:00Z",
        scenarios: 1,
        loadSeconds: 5,
      }),
      syntheticJournal({
        runId: "2026-11-02-bbb",
        startedAt: "2026-11-02T10:00:00Z",
        failing: true,
        scenarios: 3,
        loadSeconds: 5,
      }),
    ];
    for (const j of runs) {
      await writeJournal(path.join(reports, j.runId), j);
      // The pages `open` finds; `render` below writes them again through the CLI.
      await renderRun(path.join(reports, j.runId), j);
    }
  });
  afterAll(() => rm(reports, { recursive: true, force: true }));

  it("render writes the run's page, JUnit, summary and the index; a journal of an unknown version is refused by name", async () => {
    const r = await faultline(["report", "render", path.join(reports, "2026-11-02-bbb")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = path.join(reports, "2026-11-02-bbb");
    expect(r.stdout.trim().split("\n")).toEqual([
      path.join(dir, "index.html"),
      path.join(dir, "junit.xml"),
      path.join(dir, "summary.md"),
      path.join(reports, "index.html"),
    ]);
    expect(await readFile(path.join(dir, "junit.xml"), "utf8")).toContain('failures="3"');
    expect(await faultline(["report", "render", path.join(reports, "2026-11-01-aaa")])).toMatchObject({
      code: 0,
    });

    const future = path.join(reports, "2026-12-future");
    await writeJournal(future, syntheticJournal({ scenarios: 0, loadSeconds: 0 }));
    const j = JSON.parse(await readFile(path.join(future, "journal.json"), "utf8"));
    await writeFile(path.join(future, "journal.json"), JSON.stringify({ ...j, version: 9 }));
    const refused = await faultline(["report", "render", future]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${path.join(future, "journal.json")}: journal version 9 is not supported`,
    );
  });

  it("list shows every run, newest first, and an unreadable one with its reason", async () => {
    const r = await faultline(["report", "list", "--json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { runId: string; status: string; error?: string }[];
    expect(rows.map((x) => [x.runId, x.status])).toEqual([
      ["2026-11-02-bbb", "failed"],
      ["2026-11-01-aaa", "completed"],
      ["2026-12-future", "unreadable"],
    ]);
    expect(rows[2]!.error).toContain("journal version 9 is not supported");
    const table = await faultline(["report", "list"]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^run\s+status\s+started\s+duration\s+pass rate\s+p95\s+target$/,
    );
  });

  it("open prints the newest run's page, or one by prefix, and hands it to $BROWSER", async () => {
    expect((await faultline(["report", "open"])).stdout.trim()).toBe(
      path.join(reports, "2026-11-02-bbb", "index.html"),
    );
    expect((await faultline(["report", "open", "2026-11-01"])).stdout.trim()).toBe(
      path.join(reports, "2026-11-01-aaa", "index.html"),
    );
    const missing = await faultline(["report", "open", "nope"]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no run "nope"') });
    const seen = path.join(reports, "browser-saw.txt");
    const browser = path.join(reports, "fake-browser.sh");
    await writeFile(browser, `#!/bin/sh\necho "$@" > '${seen}.tmp' && mv '${seen}.tmp' '${seen}'\n`);
    await chmod(browser, 0o755);
    const page = path.join(reports, "2026-11-01-aaa", "index.html");
    await faultline(["report", "open", "2026-11-01"], { BROWSER: browser });
    await expect.poll(() => readFile(seen, "utf8").catch(() => ""), { timeout: 10_000 }).toBe(`${page}\n`);
    // As xdg-open reads $BROWSER: the first of a list, with arguments, %s for the file.
    await rm(seen);
    await faultline(["report", "open", "2026-11-01"], {
      BROWSER: `${browser} --new-window %s --x:other-browser`,
    });
    await expect
      .poll(() => readFile(seen, "utf8").catch(() => ""), { timeout: 10_000 })
      .toBe(`--new-window ${page} --x\n`);
  });

  it("serve answers on 127.0.0.1 until stopped", async () => {
    const child = spawn(process.execPath, [bin, "report", "serve", "--port", "0"], {
      env: { ...process.env, FAULTLINE_REPORTS_DIR: reports },
    });
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await expect.poll(() => out, { timeout: 30_000 }).toMatch(/at http:\/\/127\.0\.0\.1:\d+\//);
      const url = out.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("2026-11-02-bbb");
      const journal = await fetch(`${url}2026-11-02-bbb/journal.json`);
      expect(journal.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(((await journal.json()) as { runId: string }).runId).toBe("2026-11-02-bbb");
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
