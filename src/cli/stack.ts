import type { Command } from "commander";
import { installCleanupHandlers, orphanDetachedRuns, removeRun } from "../env/cleanup.ts";
import { docker, logText } from "../docker-client.ts";
import { loadManifest } from "../env/manifest.ts";
import { runId } from "../env/run-labels.ts";
import { Environment, type StackEvent } from "../env/stack.ts";
import {
  inspectDetached,
  listStackStates,
  recordedRuns,
  readStackState,
  removeStackState,
  writeStackState,
} from "../env/stack-state.ts";
import { projectRoot } from "../paths.ts";
import { printTable } from "./output.ts";
import { targetOption } from "./target-option.ts";

export function stackProgress(e: StackEvent): void {
  switch (e.type) {
    case "phase":
      process.stderr.write(`· ${e.phase}\n`);
      break;
    case "ready":
      process.stderr.write(`  ✓ ${e.name.padEnd(16)} ready in ${e.ms} ms\n`);
      break;
    case "proxy":
      process.stderr.write(`  ⇄ ${e.name.padEnd(24)} ${e.listen} -> ${e.upstream}\n`);
      break;
    case "starting":
      break;
  }
}

async function stateOrFail(target: string) {
  const state = await readStackState(target);
  if (!state) {
    const running = (await listStackStates()).map((s) => s.target);
    throw new Error(
      `No stack of target "${target}" is up (start one with: faultline up --target ${target})` +
        (running.length ? `; up now: ${running.join(", ")}` : ""),
    );
  }
  return state;
}

export function registerStackCommands(program: Command): void {
  program
    .command("up")
    .description("start a target's stack detached (Toxiproxy on every edge) and print its endpoints")
    .addOption(targetOption())
    .option("--json", "print the endpoints as JSON")
    .action(async (opts: { target: string; json?: boolean }) => {
      const manifest = await loadManifest(opts.target, projectRoot());
      const existing = await readStackState(manifest.name);
      if (existing) {
        throw new Error(
          `A stack of target "${manifest.name}" is already up (run ${existing.runId}); remove it first: faultline down --target ${manifest.name}`,
        );
      }
      const disarm = installCleanupHandlers(runId());
      const stack = await new Environment(manifest, {
        detached: true,
        onEvent: opts.json ? undefined : stackProgress,
      }).start();
      const state = await writeStackState(stack);
      disarm();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
        return;
      }
      process.stdout.write(`\n${manifest.name} is up in ${(stack.timings.totalMs / 1000).toFixed(1)} s\n`);
      process.stdout.write(`  entry point  ${state.entrypointUrl}\n  toxiproxy    ${state.toxiproxyUrl}\n`);
      if (state.kafkaBrokers)
        process.stdout.write(`  kafka        ${state.kafkaBrokers.join(",")} (through edge host->kafka)\n`);
      for (const c of state.containers.filter((x) => x.kind === "service")) {
        process.stdout.write(
          `  ${c.name.padEnd(12)} ${Object.entries(c.urls)
            .map(([k, v]) => `${k} ${v}`)
            .join("  ")}\n`,
        );
      }
      process.stdout.write(`Remove it with: faultline down --target ${manifest.name}\n`);
    });

  program
    .command("ps")
    .description("services of the detached stack: state, readiness, edges and their toxics")
    .addOption(targetOption("target name", "-t, --target <name>"))
    .option("--json", "print as JSON")
    .action(async (opts: { target: string; json?: boolean }) => {
      const state = await stateOrFail(opts.target);
      const live = await inspectDetached(state);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ target: state.target, runId: state.runId, ...live }, null, 2)}\n`,
        );
        return;
      }
      printTable(
        ["NAME", "KIND", "STATE", "READY", "ENDPOINTS"],
        live.services.map((s) => [
          s.name,
          s.kind,
          s.state,
          s.ready === undefined ? "-" : s.ready ? "yes" : "NO",
          Object.values(s.urls).join(" "),
        ]),
      );
      process.stdout.write("\n");
      printTable(
        ["EDGE", "ENABLED", "TOXICS"],
        live.edges.map((e) => [
          e.name,
          e.enabled ? "yes" : "NO (partitioned)",
          e.toxics
            .map((t) => `${t.name}(${t.type} ${t.stream} ${JSON.stringify(t.attributes)})`)
            .join(", ") || "-",
        ]),
      );
    });

  program
    .command("logs")
    .description("a container's logs from the detached stack")
    .argument("<service>", "service or infrastructure name (or toxiproxy)")
    .addOption(targetOption("target name", "-t, --target <name>"))
    .option("-f, --follow", "keep printing new lines until Ctrl-C")
    .option("--tail <n>", "only the last n lines")
    .action(async (service: string, opts: { target: string; follow?: boolean; tail?: string }) => {
      const state = await stateOrFail(opts.target);
      const c = state.containers.find((x) => x.name === service);
      if (!c)
        throw new Error(
          `No container "${service}" in the ${state.target} stack; known: ${state.containers.map((x) => x.name).join(", ")}`,
        );
      const container = docker().getContainer(c.id);
      const tail = opts.tail ? Number(opts.tail) : undefined;
      if (opts.follow) {
        const stream = await container.logs({
          stdout: true,
          stderr: true,
          follow: true,
          ...(tail ? { tail } : {}),
        });
        docker().modem.demuxStream(stream, process.stdout, process.stderr);
        await new Promise<void>((resolve) => stream.on("end", resolve));
        return;
      }
      const raw = await container.logs({
        stdout: true,
        stderr: true,
        follow: false,
        ...(tail ? { tail } : {}),
      });
      process.stdout.write(logText(raw as unknown as Buffer));
    });

  program
    .command("down")
    .description("remove everything `faultline up` started")
    .addOption(targetOption("target name", "-t, --target <name>"))
    .option("--all", "every detached stack recorded here, and every half-started one whose `up` died")
    .option("--json", "print what was removed as JSON")
    .action(async (opts: { target: string; all?: boolean; json?: boolean }) => {
      const states = opts.all ? await listStackStates() : [await stateOrFail(opts.target)];
      const removed = [];
      for (const s of states) {
        const r = await removeRun(s.runId);
        await removeStackState(s.target);
        removed.push({ target: s.target, ...r });
      }
      if (opts.all) {
        // Detached stacks whose state file is gone (deleted, or their `up` died before writing it).
        // A stack recorded by another checkout (its mark is on the engine) is that checkout's.
        const recorded = await recordedRuns();
        for (const s of states) recorded.add(s.runId);
        const orphans = await orphanDetachedRuns(recorded);
        for (const o of orphans) {
          process.stderr.write(
            `faultline: removing a detached stack with no state file (run ${o.runId}): ${o.names.join(", ")}\n`,
          );
          removed.push({ target: `(no state file) run ${o.runId}`, ...(await removeRun(o.runId)) });
        }
        // The kubernetes driver's: every detached namespace, and every one a dead run left.
        const { sweepNamespaces } = await import("../env/kubernetes/namespaces.ts");
        for (const ns of await sweepNamespaces({ all: true }))
          removed.push({ target: `namespace ${ns}`, containers: [], networks: [], volumes: [] });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(removed, null, 2)}\n`);
      else
        for (const r of removed)
          process.stdout.write(
            `${r.target}: removed ${r.containers.length} container(s), ${r.networks.length} network(s)\n`,
          );
    });
}
