/// <reference lib="dom" />
/**
 * The reports as a reader sees them, in Debian's Chromium: generated runs (passing, failing, a
 * version 1 journal, 20 scenarios with 10 minutes of load), the recorded journal of a real chaos
 * run of the shop, and, when there is one, the newest real run under reports/. Screenshots are
 * saved next to each report (screenshots/*.png) under reports/e2e/.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { projectRoot, reportsDir } from "../../src/paths.ts";
import { parseJournal, readJournal, writeJournal, type Journal } from "../../src/report/journal.ts";
import { renderIndex, renderRun } from "../../src/report/render.ts";
import { listRuns } from "../../src/report/runs.ts";
import { HOSTILE } from "../../test/support/report-checks.ts";
import { chartsDrawn, checkReport, launchChromium, openFile, screenshot } from "./report-browser.ts";

/** Generated reports live apart from real runs, so they never show in the real runs index. */
const root = path.join(reportsDir(), "e2e");

async function render(dir: string, journal: Journal): Promise<string> {
  await writeJournal(dir, journal);
  return (await renderRun(dir, journal)).html;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("generated reports", () => {
  const runs = path.join(root, "runs");
  const dirs = {
    passing: path.join(runs, "run-1-passing"),
    failing: path.join(runs, "run-2-failing"),
    v1: path.join(runs, "run-0-v1"),
  };

  beforeAll(async () => {
    await rm(runs, { recursive: true, force: true });
    await render(
      dirs.passing,
      syntheticJournal({
        runId: "run-1-passing",
        seed: 1,
        startedAt: "2026-11-27T09:00:00.000Z",
        scenarios: 4,
        loadSeconds: 120,
      }),
    );
    await render(
      dirs.failing,
      syntheticJournal({
        runId: "run-2-failing",
        seed: 2,
        startedAt: "2026-11-28T09:00:00.000Z",
        failing: true,
        scenarios: 6,
        loadSeconds: 120,
      }),
    );
    const v1 = parseJournal(
      {
        version: 1,
        runId: "run-0-v1",
        target: "shop",
        command: "faultline run",
        startedAt: "2026-11-26T09:00:00.000Z",
        endedAt: "2026-11-26T09:02:00.000Z",
        status: "completed",
        phases: [
          {
            name: "suites",
            status: "passed",
            startedAt: "2026-11-26T09:00:05.000Z",
            durationMs: 110000,
            detail: "42 passed",
          },
        ],
      },
      "run-0-v1/journal.json",
    );
    await render(dirs.v1, v1);
    await renderIndex(runs);
  });

  it("a failing run: every chart draws with its fault windows, every link works, no console error, no network", async () => {
    const charts = await checkReport(browser, path.join(dirs.failing, "index.html"), {
      screenshots: [
        { name: "top" },
        { name: "scenario-payments-down", selector: "#scenario-1-payments-down" },
        { name: "load", selector: "#load" },
        { name: "full", fullPage: true },
      ],
      more: async (page) => {
        await expect.poll(() => page.getByText("What failed").count()).toBe(1);
        await expect.poll(() => page.locator("#scenario-1-payments-down .ids code").count()).toBe(37);
        // The charts follow the window's width.
        const width = () =>
          page
            .locator("[data-chart] canvas")
            .first()
            .evaluate((c) => (c as HTMLCanvasElement).clientWidth);
        const wide = await width();
        await page.setViewportSize({ width: 900, height: 900 });
        await expect.poll(width).toBeLessThan(wide - 200);
        await page.setViewportSize({ width: 1280, height: 900 });
        await expect.poll(width).toBe(wide);
      },
    });
    // Three per scenario (6) and three for the load run.
    expect(charts).toHaveLength(6 * 3 + 3);
    for (const c of charts.filter((c) => c.id.includes("scenario-")))
      expect(c.shaded, `${c.id}: fault window shading`).toBeGreaterThan(1000);
  });

  it("a passing run and an upgraded version 1 journal render without errors", async () => {
    expect(
      await checkReport(browser, path.join(dirs.passing, "index.html"), { screenshots: [{ name: "top" }] }),
    ).toHaveLength(4 * 3 + 3);
    expect(
      await checkReport(browser, path.join(dirs.v1, "index.html"), { screenshots: [{ name: "top" }] }),
    ).toEqual([]);
  });

  it("the runs index: the trend draws and every run's link opens its page", async () => {
    const charts = await checkReport(browser, path.join(runs, "index.html"), {
      screenshots: [{ name: "index" }],
      more: async (page) => {
        const hrefs = await page
          .locator("table a")
          .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
        expect(hrefs).toHaveLength(3);
        for (const href of hrefs) {
          await page.goto(href);
          await expect.poll(() => page.title()).toMatch(/^faultline run-\d/);
          await page.goBack();
        }
      },
    });
    expect(charts.map((c) => c.id)).toEqual(["trend"]);
  });
});

describe("a recorded real run", () => {
  it("the journal of a real chaos run of the shop (fixtures/journals/real-chaos-run.json) reads as it should", async () => {
    const file = path.join(projectRoot(), "fixtures", "journals", "real-chaos-run.json");
    const journal = await readJournal(file);
    const dir = path.join(root, "recorded", journal.runId);
    await rm(path.dirname(dir), { recursive: true, force: true });
    const html = await render(dir, journal);
    await renderIndex(path.dirname(dir));
    const charts = await checkReport(browser, html, {
      screenshots: [{ name: "top" }, { name: "payments-slow", selector: "#scenario-1-payments-slow" }],
      more: async (page) => {
        await expect.poll(() => page.locator("#what-failed li").count()).toBe(1);
        await expect
          .poll(() => page.locator("#what-failed").innerText())
          .toContain("orders fail fast while the breaker is open");
      },
    });
    expect(charts).toHaveLength(journal.chaos!.scenarios.length * 3);
    for (const c of charts) expect(c.shaded, `${c.id}: fault window shading`).toBeGreaterThan(1000);
  });
});

describe("a big run", () => {
  it("20 scenarios and 10 minutes of per-second load: all 63 charts draw", async () => {
    const dir = path.join(root, "big", "run-20-scenarios");
    await rm(path.dirname(dir), { recursive: true, force: true });
    const journal = syntheticJournal({
      runId: "run-20-scenarios",
      failing: true,
      scenarios: 20,
      loadSeconds: 600,
    });
    const html = await render(dir, journal);
    await renderIndex(path.dirname(dir));
    const charts = await checkReport(browser, html, {
      screenshots: [{ name: "load-600s", selector: "#load" }],
    });
    expect(charts).toHaveLength(20 * 3 + 3);
  });
});

describe("hostile text in a journal", () => {
  it("a service name and an error message with <script> and <img onerror> are shown as text and never run", async () => {
    const dir = path.join(root, "hostile", "run-hostile");
    await rm(path.dirname(dir), { recursive: true, force: true });
    const j = syntheticJournal({
      runId: "run-hostile",
      failing: true,
      scenarios: 4,
      loadSeconds: 30,
      hostile: HOSTILE,
    });
    // The service name and the error message, where a reader sees them first.
    j.stack!.containers[0]!.name = `payments${HOSTILE}`;
    j.chaos!.scenarios[2]!.reason = `connect ECONNREFUSED ${HOSTILE}`;
    j.chaos!.scenarios[1]!.invariants[0]!.evidence.ids.unshift(HOSTILE);
    j.contracts!.interactions.find((i) => i.status === "failed")!.mismatches[0]!.actual = HOSTILE;
    await render(dir, j);
    await renderIndex(path.dirname(dir));
    for (const file of [path.join(dir, "index.html"), path.join(path.dirname(dir), "index.html")]) {
      const { page, errors, network, dialogs } = await openFile(browser, file);
      await chartsDrawn(page);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(await page.locator("img").count()).toBe(0);
      expect(await page.locator("[onerror]").count()).toBe(0);
      expect(await page.locator("script").count()).toBe(3);
      // It reads as the text it was.
      expect(
        await page.getByText('<img src=x onerror="window.__pwned=2;alert(2)">', { exact: false }).count(),
      ).toBeGreaterThan(0);
      expect(await page.locator("body").innerText()).toContain("<script>window.__pwned=1;alert(1)</script>");
      expect(errors).toEqual([]);
      expect(network).toEqual([]);
      await screenshot(
        page,
        path.dirname(file),
        path.basename(path.dirname(file)) === "run-hostile" ? "hostile-run" : "hostile-index",
      );
      await page.close();
    }
  });
});

const realRuns = existsSync(reportsDir())
  ? (await listRuns(reportsDir())).filter((r) => r.journal && r.html)
  : [];

describe.skipIf(realRuns.length === 0)("the newest real run under reports/", () => {
  it("draws its charts, its links work, no console error", async () => {
    const run = realRuns[0]!;
    await renderRun(run.dir, run.journal!);
    await renderIndex(reportsDir());
    await checkReport(browser, path.join(run.dir, "index.html"), { screenshots: [{ name: "top" }] });
  });
});
