import type { Command } from "commander";
import { projectRoot } from "../paths.ts";
import { readStackState } from "../env/stack-state.ts";
import { TraceQuery } from "../trace/jaeger-api.ts";
import { loadManifest } from "../env/manifest.ts";
import { findTraces, TRACE_ID } from "../trace/lookup.ts";
import { targetOption } from "./target-option.ts";
import { renderTree } from "../trace/tree.ts";

export function registerTraceCommand(program: Command): void {
  program
    .command("trace")
    .description(
      "print a trace as a tree with durations: by trace id, or by order id (every trace that carries it)",
    )
    .argument("<id>", "a trace id (32 hex digits) or an order id")
    .addOption(targetOption("the stack started with `faultline up`", "-t, --target <name>"))
    .option("--query-url <url>", "the trace backend's query API (default: the running stack's)")
    .option(
      "--tag <key>",
      "the span attribute an id is looked up in (default: the manifest's tracing.lookupTag)",
    )
    .option("--lookback <minutes>", "how far back to look up an order id", "60")
    .option("--json", "print the traces as JSON")
    .action(
      async (
        id: string,
        opts: { target: string; queryUrl?: string; tag?: string; lookback: string; json?: boolean },
      ) => {
        let url = opts.queryUrl;
        if (!url) {
          const state = await readStackState(opts.target);
          if (!state) {
            process.stderr.write(
              `faultline trace: no stack of target "${opts.target}" is up: start one with "faultline up", or pass --query-url\n`,
            );
            process.exitCode = 2;
            return;
          }
          url = state.containers.find((c) => c.kind === "tracing")?.urls.query;
          if (!url) {
            process.stderr.write(
              `faultline trace: the stack of "${opts.target}" has no trace backend: add "tracing:" to its manifest (docs/manifest.md)\n`,
            );
            process.exitCode = 2;
            return;
          }
        }
        let tag = opts.tag;
        if (!tag && !TRACE_ID.test(id)) {
          const manifest = await loadManifest(opts.target, projectRoot()).catch(() => undefined);
          tag = manifest?.tracing?.lookupTag;
          if (!tag) {
            process.stderr.write(
              `faultline trace: "${id}" is not a trace id (32 hex digits), and ${manifest?.file ?? `target "${opts.target}"`} names no tracing.lookupTag to look it up in: add one (docs/manifest.md), or pass --tag <span attribute>\n`,
            );
            process.exitCode = 2;
            return;
          }
        }
        const minutes = Number(opts.lookback);
        if (!Number.isFinite(minutes) || minutes <= 0) {
          process.stderr.write(
            `faultline trace: --lookback must be a positive number of minutes, got "${opts.lookback}"\n`,
          );
          process.exitCode = 2;
          return;
        }
        const traces = await findTraces(new TraceQuery(url), id, {
          tag,
          lookbackMs: minutes * 60_000,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(traces, null, 2)}\n`);
        else if (traces.length > 0) process.stdout.write(`${traces.map(renderTree).join("\n\n")}\n`);
        if (traces.length === 0) {
          process.stderr.write(
            `faultline trace: no trace ${/^[0-9a-f]{32}$/i.test(id) ? id : `carries ${tag}=${id}`} in ${url}\n`,
          );
          process.exitCode = 1;
        } else if (traces.length > 1 && !opts.json) {
          process.stderr.write(
            `faultline trace: ${traces.length} traces carry ${tag}=${id}: the trace is broken in pieces\n`,
          );
        }
      },
    );
}
