import type { Command } from "commander";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { benchReport } from "../report/report-bench.ts";
import { installCleanupHandlers } from "../env/cleanup.ts";
import { runId, reportRunId } from "../env/run-labels.ts";
import path from "node:path";
import { ceilingBench, ceilingTables, ceilingVerdict, type CeilingResult } from "../load/ceiling-bench.ts";
import { footprintBench, type FootprintResult } from "../load/footprint.ts";
import { serviceBench } from "../load/service-bench.ts";
import { writeRunPage } from "../report/render.ts";
import { writeJournal, type Journal } from "../report/journal.ts";
import { reportsDir } from "../paths.ts";
import { formatBytes, printTable } from "./output.ts";
import { startupBench } from "../load/startup-bench.ts";
import { chaosBench } from "../chaos/bench.ts";
import { scenarioNames } from "../chaos/catalog.ts";
import { listLoadScenarios } from "../load/scenario.ts";
import { KILL_COMMANDS, killBench, killCommands, total } from "../run/kill-matrix.ts";
import { projectRoot } from "../paths.ts";
import { targetOption } from "./target-option.ts";
import { tracingBench } from "../trace/bench.ts";

const print = (x: unknown) => process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);

export function registerBenchCommand(program: Command): void {
  const bench = program
    .command("bench")
    .description(
      "benchmarks that print figures as JSON (not tests); without a subcommand: stack, then services",
    )
    .addOption(targetOption())
    .action(async (opts: { target: string }) => {
      installCleanupHandlers(runId());
      print({ stack: await startupBench(opts.target, 3), services: await serviceBench(opts.target, 20) });
    });

  bench
    .command("report")
    .description(
      "report generation time and size for a synthetic run (20 scenarios, 10 minutes of per-second load by default); no Docker",
    )
    .option("--scenarios <n>", "chaos scenario runs", "20")
    .option("--load-seconds <n>", "seconds of per-second load data", "600")
    .option("--runs <n>", "renders of the same journal", "10")
    .action(async (opts: { scenarios: string; loadSeconds: string; runs: string }) => {
      const journal = syntheticJournal({
        failing: true,
        scenarios: Math.max(0, Number(opts.scenarios) || 0),
        loadSeconds: Math.max(0, Number(opts.loadSeconds) || 0),
      });
      print(await benchReport(journal, Math.max(1, Number(opts.runs) || 10)));
    });

  bench
    .command("tracing")
    .description("the trace backend: image size, container start to ready, idle memory, stop on SIGTERM")
    .option("--runs <n>", "starts in a row", "3")
    .action(async (opts: { runs: string }) => {
      installCleanupHandlers(runId());
      print(await tracingBench(Math.max(1, Number(opts.runs) || 3)));
    });

  bench
    .command("stack")
    .description("whole-stack ready time, cold then warm, and each container's time to ready")
    .addOption(targetOption("target"))
    .option("--runs <n>", "stack starts in a row (first cold, then warm)", "3")
    .action(async (opts: { target: string; runs: string }) => {
      installCleanupHandlers(runId());
      print(await startupBench(opts.target, Math.max(1, Number(opts.runs) || 3)));
    });

  bench
    .command("services")
    .description("per service: image size, process start to /readyz 200 (median of n restarts), idle RSS")
    .addOption(targetOption("target"))
    .option("--samples <n>", "restarts per service", "20")
    .action(async (opts: { target: string; samples: string }) => {
      installCleanupHandlers(runId());
      print(await serviceBench(opts.target, Math.max(1, Number(opts.samples) || 20)));
    });

  bench
    .command("chaos")
    .description(
      "the chaos catalog on one stack: wall time, fault call to in force, heal to steady state, breaker fail-fast vs deadline",
    )
    .addOption(targetOption("target"))
    .option("--detection", "time verify-detection instead of the catalog")
    .option("--seed <n>", "seed", "1")
    .action(async (opts: { target: string; detection?: boolean; seed: string }) => {
      installCleanupHandlers(runId());
      print(
        await chaosBench({
          root: projectRoot(),
          target: opts.target,
          detection: opts.detection,
          seed: Number(opts.seed),
          log: (l) => process.stderr.write(`${l}\n`),
        }),
      );
    });

  bench
    .command("kill")
    .description(
      "the kill matrix: commands killed at random moments (SIGKILL, SIGTERM, SIGINT), then the next command; counts what is left",
    )
    .option("--runs <n>", "kills", "50")
    .option("--seed <n>", "seed of the commands, signals and moments drawn", "1")
    .option("--commands <list>", `which of ${KILL_COMMANDS.join(", ")}`, KILL_COMMANDS.join(","))
    .option("--scenario <name>", "the chaos scenario `chaos run` runs (default: the catalog's first)")
    .option("--load <name>", "the load scenario `load run` runs, for 20 s (default: the first)")
    .option("--run-span <s>", "latest kill moment of `faultline run`, in seconds", "240")
    .action(
      async (opts: {
        runs: string;
        seed: string;
        commands: string;
        scenario?: string;
        load?: string;
        runSpan: string;
      }) => {
        const chosen = opts.commands.split(",").map((c) => c.trim());
        const unknown = chosen.filter((c) => !(KILL_COMMANDS as readonly string[]).includes(c));
        if (unknown.length) {
          process.stderr.write(
            `faultline bench kill: --commands: unknown ${unknown.join(", ")}; known: ${KILL_COMMANDS.join(", ")}\n`,
          );
          process.exitCode = 2;
          return;
        }
        const scenario = opts.scenario ?? (await scenarioNames(projectRoot()))[0]!;
        const load = opts.load ?? (await listLoadScenarios(projectRoot()))[0]!;
        const commands = killCommands({
          scenario,
          load,
          runSpanMs: Number(opts.runSpan) * 1000,
        }).filter((c) => chosen.includes(c.key));
        const r = await killBench({
          commands,
          runs: Math.max(1, Number(opts.runs) || 50),
          seed: Number(opts.seed) || 1,
          onRow: (row) =>
            process.stderr.write(
              `${row.run}. ${row.label} ${row.signal} at ${(row.killedAtMs / 1000).toFixed(1)} s (${row.moment}): left ${total(row.leftAfterKill)}, after \`${row.next}\` ${total(row.leftAfterNext)}\n`,
            ),
        });
        print(r);
        if (r.leftAfterNext > 0) process.exitCode = 1;
      },
    );

  const footprintCommand = (name: "footprint" | "claims", description: string) =>
    bench
      .command(name)
      .description(description)
      .addOption(targetOption("target"))
      .option("--samples <n>", "restarts per service for start -> ready", "20")
      .option("--load-seconds <s>", "seconds of the average profile for memory under load", "30")
      .option("--compare-seconds <s>", "seconds of each side of REST vs gRPC", "15")
      .option(
        "--compare-rest <scenario>",
        "load scenario: the read over REST (one request)",
        "product-read-rest",
      )
      .option(
        "--compare-grpc <scenario>",
        "load scenario: the same read over gRPC (one request)",
        "product-read-grpc",
      )
      .option("--vus <n>", "concurrent requests of each side of REST vs gRPC", "8")
      .option("--json", "print as JSON")
      .action(
        async (opts: {
          target: string;
          samples: string;
          loadSeconds: string;
          compareSeconds: string;
          compareRest: string;
          compareGrpc: string;
          vus: string;
          json?: boolean;
        }) => {
          installCleanupHandlers(runId());
          const startedAt = new Date().toISOString();
          const r = await footprintBench({
            target: opts.target,
            compare: { rest: opts.compareRest, grpc: opts.compareGrpc },
            samples: Math.max(1, Number(opts.samples) || 20),
            loadSeconds: Math.max(5, Number(opts.loadSeconds) || 30),
            compareSeconds: Math.max(3, Number(opts.compareSeconds) || 15),
            compareVUs: Math.max(1, Number(opts.vus) || 8),
            log: opts.json ? undefined : (l) => process.stderr.write(`· ${l}\n`),
          });
          const dir = await writeFootprintJournal(r, `faultline bench ${name}`, startedAt);
          if (opts.json) {
            print({
              reportDir: dir,
              method: r.method,
              ...(name === "claims" ? { claims: r.footprint.claims } : r.footprint),
            });
            return;
          }
          if (name === "footprint") printFootprint(r);
          printClaims(r);
          process.stdout.write(`\nreport: ${dir}\n`);
        },
      );
  footprintCommand(
    "footprint",
    "per service: image size (disk, compressed), start -> ready over n restarts, memory idle and under load, REST vs gRPC",
  );
  bench
    .command("ceiling")
    .description(
      "wrk, the declarative runner and the scripted (k6) runner side by side on the cheapest endpoint, and how closely the open model holds its rate",
    )
    .addOption(targetOption("target"))
    .option("--seconds <s>", "seconds of each measurement", "10")
    .option("--connections <n>", "connections of wrk and VUs of both runners", "32")
    .option("--repeats <n>", "measurements of each engine, in turns; the median is reported", "3")
    .option("--json", "print as JSON")
    .action(
      async (opts: {
        target: string;
        seconds: string;
        connections: string;
        repeats: string;
        json?: boolean;
      }) => {
        installCleanupHandlers(runId());
        const r = await ceilingBench({
          target: opts.target,
          seconds: Math.max(2, Number(opts.seconds) || 10),
          connections: Math.max(1, Number(opts.connections) || 32),
          repeats: Math.max(1, Number(opts.repeats) || 3),
          log: opts.json ? undefined : (l) => process.stderr.write(`· ${l}\n`),
        });
        if (opts.json) print(r);
        else printCeiling(r);
      },
    );
  footprintCommand("claims", "the source article's claims beside the measurement, each held or not held");
}

async function writeFootprintJournal(
  r: FootprintResult,
  command: string,
  startedAt: string,
): Promise<string> {
  const id = reportRunId();
  const dir = path.join(reportsDir(), id);
  const journal: Journal = {
    version: 2,
    runId: id,
    target: r.target,
    command,
    startedAt,
    endedAt: new Date().toISOString(),
    status: "completed",
    phases: [
      {
        name: "footprint",
        status: "passed",
        startedAt,
        durationMs: Date.now() - Date.parse(startedAt),
        detail: r.method,
      },
    ],
    footprint: r.footprint,
  };
  await writeJournal(dir, journal);
  await writeRunPage(dir, journal);
  return path.relative(process.cwd(), dir) || dir;
}

function printFootprint(r: FootprintResult): void {
  printTable(
    [
      "service",
      "image",
      "compressed",
      "start->ready med",
      "p90",
      "idle cgroup",
      "idle RSS",
      "load cgroup",
      "load RSS",
    ],
    r.footprint.services.map((s) => [
      s.name,
      formatBytes(s.imageBytes),
      formatBytes(s.imageCompressedBytes),
      `${s.startToReadyMs?.median ?? "-"} ms`,
      `${s.startToReadyMs?.p90 ?? "-"} ms`,
      formatBytes(s.memory?.idleBytes),
      formatBytes(s.memory?.idleRssBytes),
      formatBytes(s.memory?.loadBytes),
      formatBytes(s.memory?.loadRssBytes),
    ]),
  );
  process.stdout.write("\n");
  for (const c of r.footprint.comparisons)
    process.stdout.write(
      `${c.name}: ${Object.entries(c.figures)
        .map(([k, v]) => `${k} ${typeof v === "number" ? +v.toFixed(2) : v}`)
        .join(", ")}\n`,
    );
  process.stdout.write("\n");
}

function printClaims(r: FootprintResult): void {
  for (const c of r.footprint.claims)
    process.stdout.write(
      `${c.held ? "✓ held    " : "✗ not held"}  ${c.claim}\n            measured: ${c.measured}\n            ${c.detail ?? ""}\n`,
    );
}

export function printCeiling(r: CeilingResult, out: NodeJS.WritableStream = process.stdout): void {
  const t = ceilingTables(r);
  out.write(`${r.endpoint}, ${r.connections} connections, ${r.seconds} s each\n\n`);
  printTable(t.engines.header, t.engines.rows, out);
  out.write(`\n${ceilingVerdict(r)}\n\n`);
  printTable(t.openModel.header, t.openModel.rows, out);
  out.write(
    `\nload average before ${r.loadAverage.before.join(" ")}, after ${r.loadAverage.after.join(" ")}\n${r.method}\n`,
  );
}
