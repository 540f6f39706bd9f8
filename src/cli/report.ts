import { spawn } from "node:child_process";
import path from "node:path";
import type { Command } from "commander";
import { reportsDir } from "../paths.ts";
import { readJournal } from "../report/journal.ts";
import { renderIndex, renderRun } from "../report/render.ts";
import { findRun, listRunRows } from "../report/runs.ts";
import { serveReports } from "../report/serve.ts";
import { printTable } from "./output.ts";

const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null) =>
  v === null ? "-" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;

export function registerReportCommand(program: Command): void {
  const report = program.command("report").description("the runs' reports: list, open, serve, render");

  report
    .command("list")
    .description("every run under reports/: verdict, duration, pass rate, p95")
    .option("--json", "print the runs as JSON")
    .action(async (opts: { json?: boolean }) => {
      const rows = await listRunRows(reportsDir());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no runs under ${reportsDir()}\n`);
        return;
      }
      printTable(
        ["run", "status", "started", "duration", "pass rate", "p95", "target"],
        rows.map((r) => [
          r.runId,
          r.status,
          r.startedAt ?? "-",
          ms(r.durationMs),
          pct(r.passRate),
          ms(r.p95Ms),
          r.error ?? r.target ?? "-",
        ]),
      );
    });

  report
    .command("open [run-id]")
    .description(
      "the run's page (the newest without an id; a unique prefix is enough): prints its path, opens it with $BROWSER when set",
    )
    .action(async (id: string | undefined) => {
      const run = await findRun(reportsDir(), id);
      if (!run.html) throw new Error(`run ${run.runId} has no page yet: faultline report render ${run.dir}`);
      process.stdout.write(`${run.html}\n`);
      // $BROWSER as xdg-open reads it: the first of a colon-separated list, `%s` stands for the file.
      const browser = process.env.BROWSER?.split(":")[0]?.trim();
      if (browser) {
        const [cmd, ...args] = browser.split(/\s+/);
        const argv = args.some((a) => a.includes("%s"))
          ? args.map((a) => a.replace("%s", run.html!))
          : [...args, run.html];
        spawn(cmd!, argv, { stdio: "ignore", detached: true })
          .on("error", (e) => process.stderr.write(`$BROWSER (${browser}): ${e.message}\n`))
          .unref();
      }
    });

  report
    .command("serve")
    .description("serves reports/ on 127.0.0.1 (loopback only) until Ctrl-C")
    .option("-p, --port <n>", "port (0 picks a free one)", "7357")
    .action(async (opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port ${opts.port}: not a port number (0-65535)`);
      await renderIndex(reportsDir());
      const server = await serveReports(reportsDir(), port);
      process.stdout.write(`serving ${reportsDir()} at ${server.url} (Ctrl-C stops)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await server.close();
    });

  report
    .command("render <run-dir>")
    .description(
      "re-renders a run's index.html, junit.xml and summary.md from its journal.json, and the runs index",
    )
    .action(async (dir: string) => {
      const journal = await readJournal(path.join(dir, "journal.json"));
      const out = await renderRun(dir, journal);
      const index = await renderIndex(path.dirname(path.resolve(dir)));
      process.stdout.write(`${out.html}\n${out.junit}\n${out.summary}\n${index}\n`);
    });
}
