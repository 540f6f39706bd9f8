/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Opening a report in Debian's Chromium (playwright-core, never a downloaded browser) and
 * checking it as a reader would see it: the charts drew, every link leads somewhere, nothing
 * went to the network, no console error.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests use Debian's Chromium. Fix: apt-get install -y chromium (scripts/setup.sh does it)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export interface OpenedPage {
  page: Page;
  /** Console errors, page errors and CSP violations. */
  errors: string[];
  /** Requests that left the disk (anything but file: and data:). */
  network: string[];
  /** Dialogs (alert, confirm) something opened. */
  dialogs: string[];
}

export async function openFile(
  browser: Browser,
  file: string,
  viewport = { width: 1280, height: 900 },
): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const network: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (!/^(file|data):/.test(r.url())) network.push(r.url());
  });
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, errors, network, dialogs };
}

/**
 * Waits until every chart holder has drawn, and returns per chart what its canvas holds:
 * `series` counts saturated opaque pixels (the series' lines; grid and axes are grey),
 * `shaded` the translucent red of fault windows.
 */
export async function chartsDrawn(
  page: Page,
): Promise<{ id: string; series: number; shaded: number; width: number }[]> {
  const holders = await page.locator("[data-chart]").count();
  await expect
    .poll(() => page.locator("[data-chart][data-drawn] canvas").count(), { timeout: 15_000 })
    .toBe(holders);
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("[data-chart]")].map((el) => {
      const canvas = el.querySelector("canvas")!;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let series = 0;
      let shaded = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a > 160 && Math.max(r, g, b) - Math.min(r, g, b) > 60) series++;
        // A fault window: the translucent red fill, nothing drawn over it.
        if (a > 15 && a < 70 && r > 150 && g < 80 && b < 80) shaded++;
      }
      return { id: el.id, series, shaded, width: canvas.width };
    }),
  );
}

/** Every link on the page: fragments point at an element, files exist (and pages open). */
export async function brokenLinks(page: Page): Promise<string[]> {
  const links = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLAnchorElement>("a[href]")].map((a) => ({
      raw: a.getAttribute("href")!,
      url: a.href,
    })),
  );
  expect(links.length).toBeGreaterThan(0);
  const broken: string[] = [];
  for (const { raw, url } of links) {
    if (raw.startsWith("#")) {
      const found = await page.evaluate(
        (id) => document.getElementById(id) !== null,
        decodeURIComponent(raw.slice(1)),
      );
      if (!found) broken.push(`${raw}: no element with that id`);
      continue;
    }
    if (!url.startsWith("file:")) {
      broken.push(`${raw}: leaves the disk (${url})`);
      continue;
    }
    const file = fileURLToPath(url.split("#")[0]!);
    if (!existsSync(file)) broken.push(`${raw}: ${file} does not exist`);
  }
  return broken;
}

export async function screenshot(
  page: Page,
  dir: string,
  name: string,
  opts: { fullPage?: boolean; selector?: string } = {},
): Promise<string> {
  await mkdir(path.join(dir, "screenshots"), { recursive: true });
  const file = path.join(dir, "screenshots", `${name}.png`);
  if (opts.selector) await page.locator(opts.selector).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}

export type DrawnChart = Awaited<ReturnType<typeof chartsDrawn>>[number];

/**
 * Opens a report and checks it as a reader would: every chart draws its series, every link
 * works; runs `more`, saves the screenshots next to the file; then no console error, no network.
 */
export async function checkReport(
  browser: Browser,
  file: string,
  opts: {
    screenshots: { name: string; selector?: string; fullPage?: boolean }[];
    more?: (page: Page, charts: DrawnChart[]) => Promise<void>;
  },
): Promise<DrawnChart[]> {
  const { page, errors, network } = await openFile(browser, file);
  try {
    const charts = await chartsDrawn(page);
    for (const c of charts) expect(c.series, `${c.id}: series drawn`).toBeGreaterThan(c.width / 2);
    expect(await brokenLinks(page)).toEqual([]);
    await opts.more?.(page, charts);
    for (const s of opts.screenshots) await screenshot(page, path.dirname(file), s.name, s);
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
    return charts;
  } finally {
    await page.close();
  }
}
