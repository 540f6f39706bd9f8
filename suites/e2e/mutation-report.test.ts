/// <reference lib="dom" />
/**
 * The mutation part of a report (`faultline mutate`) in Debian's Chromium: the score tables per
 * service and per operator, every mutant's row with its status and its diff folded until opened,
 * the survivors with the property no scenario checks, the equivalent mutants apart; markup in the
 * journal's text stays text (no dialog), nothing goes to the network, no console error.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutationJournal } from "../../fixtures/journals/mutation.ts";
import { reportsDir } from "../../src/paths.ts";
import { writeJournal } from "../../src/report/journal.ts";
import { renderIndex, renderRun } from "../../src/report/render.ts";
import { brokenLinks, launchChromium, openFile, screenshot } from "./report-browser.ts";

const runs = path.join(reportsDir(), "e2e", "mutation");
const dir = path.join(runs, "mutate-fixture");
let browser: Browser;
let file: string;

beforeAll(async () => {
  browser = await launchChromium();
  const j = mutationJournal({ hostile: `<script>alert("x")</script><img src=x onerror=alert(1)>` });
  await writeJournal(dir, j);
  await renderRun(dir, j);
  await renderIndex(runs);
  file = path.join(dir, "index.html");
});
afterAll(async () => {
  await browser?.close();
});

describe("the mutation report", () => {
  it("scores per service and operator, mutants with folded diffs, survivors, equivalents", async () => {
    const { page, errors, network, dialogs } = await openFile(browser, file);
    try {
      const byService = page.locator('#mutation table[data-by="service"] tbody tr');
      await expect.poll(() => byService.count()).toBe(3); // orders, payments, all
      const rows = await byService.evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 6).map((td) => td.textContent)),
      );
      // payments: killed 2 (one by unit tests), survived 1 -> 67%; orders: killed-startup 1 -> 100%.
      expect(rows).toEqual([
        ["orders", "100%", "100%", "1", "0", "0"],
        ["payments", "67%", "50%", "2", "1", "1"],
        ["all", "75%", "67%", "3", "1", "1"],
      ]);
      expect(await page.locator('#mutation table[data-by="operator"] tbody tr').count()).toBe(3);

      const mutants = page.locator("#mutation table.mutants tr.mutant");
      expect(await mutants.count()).toBe(7);
      const statuses = await mutants.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")));
      expect(statuses).toEqual([
        "survived",
        "killed",
        "killed-unit",
        "timeout",
        "killed-startup",
        "harness-error",
        "not-run",
      ]);

      // The diff is folded until its summary is clicked; then its lines show, coloured.
      const first = mutants.first();
      const diff = first.locator("pre.diff");
      expect(await diff.isVisible()).toBe(false);
      await first.locator("summary").click();
      await expect.poll(() => diff.isVisible()).toBe(true);
      const added = diff.locator("span.add");
      expect(await added.textContent()).toBe("+\tif err != nil && false {");
      expect(await added.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(218, 251, 225)");

      const survivor = page.locator("#mutation li.survivor");
      expect(await survivor.count()).toBe(1);
      expect(await survivor.locator(".hint").textContent()).toContain(
        "no scenario makes `h.repo.Update` fail",
      );
      expect(await survivor.textContent()).toContain("ran against: payments-slow completed (41.0 s)");

      const eq = page.locator("#mutation table.equivalent tr.mutant");
      expect(await eq.count()).toBe(1);
      expect(await eq.textContent()).toContain("equivalent: the manifest sets the variable");
      // The journal's markup was shown as text, never run.
      expect(await page.locator("#mutation").textContent()).toContain('<script>alert("x")</script>');

      expect(await brokenLinks(page)).toEqual([]);
      await screenshot(page, dir, "mutation", { selector: "#mutation" });
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(network).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
