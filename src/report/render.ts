/**
 * The renderers' entry points: a run's folder gets `index.html`, `junit.xml` and `summary.md`
 * from its journal; the reports folder gets `index.html` listing every run.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { renderRunPage } from "./html-report.ts";
import type { Journal } from "./journal.ts";
import { renderJunit } from "./junit.ts";
import { listRunRows } from "./runs.ts";
import { renderIndexPage } from "./runs-index.ts";
import { renderSummary } from "./summary-md.ts";

export interface RenderedRun {
  /** Paths of the files written in the run's folder. */
  html: string;
  junit: string;
  summary: string;
}

const exists = (f: string) =>
  stat(f).then(
    () => true,
    () => false,
  );

/** Writes `<dir>/index.html`, `<dir>/junit.xml` and `<dir>/summary.md` from the journal. */
export async function renderRun(dir: string, journal: Journal): Promise<RenderedRun> {
  await mkdir(dir, { recursive: true });
  const files = ["junit.xml", "summary.md"];
  if (await exists(path.join(dir, "journal.json"))) files.unshift("journal.json");
  const html = await renderRunPage(journal, { files, index: "../index.html" });
  const out = {
    html: path.join(dir, "index.html"),
    junit: path.join(dir, "junit.xml"),
    summary: path.join(dir, "summary.md"),
  };
  await Promise.all([
    writeFile(out.html, html),
    writeFile(out.junit, renderJunit(journal)),
    writeFile(out.summary, renderSummary(journal, { reportHref: "index.html" })),
  ]);
  return out;
}

/** Writes `<reportsDir>/index.html` from every run's journal; returns its path. */
export async function renderIndex(reportsDir: string): Promise<string> {
  const rows = await listRunRows(reportsDir);
  const file = path.join(reportsDir, "index.html");
  await writeFile(file, await renderIndexPage(rows));
  return file;
}

/** The main job's entry: the run's files and the runs index; returns the run page's path. */
export async function writeRunPage(dir: string, journal: Journal): Promise<string> {
  const { html } = await renderRun(dir, journal);
  await renderIndex(path.dirname(dir));
  return html;
}
