import type { Command } from "commander";
import { projectImages } from "../env/manifest.ts";
import { buildImages, imageStatuses, type BuildEvent } from "../images/image-builder.ts";
import { projectRoot } from "../paths.ts";
import { formatBytes, printTable } from "./output.ts";

function progress(e: BuildEvent): void {
  switch (e.type) {
    case "skip":
      process.stderr.write(
        `  ${e.name.padEnd(20)} ${e.reason === "current" ? "up to date" : `skipped: ${e.reason}`}\n`,
      );
      break;
    case "step":
      process.stderr.write(`  ${e.name.padEnd(20)} ${e.step} ...\n`);
      break;
    case "done":
      process.stderr.write(
        `  ${e.name.padEnd(20)} built in ${(e.durationMs / 1000).toFixed(1)} s (${formatBytes(e.sizeBytes)})\n`,
      );
      break;
    case "check":
      break;
  }
}

export function registerImagesCommand(program: Command): void {
  const images = program
    .command("images")
    .description(
      "build and list the images faultline runs (never pulled): its own, and each target's services that say how they are built",
    );
  const collect = (v: string, all: string[]) => [...all, v];
  const targetOption = [
    "--target <name|file>",
    "a target name under targets/ or a faultline.yaml (repeatable; default: every targets/*/faultline.yaml)",
    collect,
    [] as string[],
  ] as const;

  images
    .command("build")
    .description(
      "build every image whose inputs changed (from the Go module proxy, Maven Central, Debian, and the targets' sources)",
    )
    .argument("[names...]", "only these images (default: all)")
    .option(...targetOption)
    .option("--force", "rebuild even when inputs are unchanged")
    .option("--json", "print the results as JSON")
    .action(async (names: string[], opts: { target: string[]; force?: boolean; json?: boolean }) => {
      const root = projectRoot();
      const results = await buildImages({
        force: opts.force,
        only: names,
        onEvent: progress,
        root,
        images: await projectImages(root, opts.target),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        return;
      }
      const built = results.filter((r) => r.action === "built").length;
      process.stderr.write(`images: ${built} built, ${results.length - built} unchanged or unavailable\n`);
    });

  images
    .command("list")
    .description("each image: reference, state, size, input hash, built at")
    .option(...targetOption)
    .option("--json", "print as JSON")
    .action(async (opts: { target: string[]; json?: boolean }) => {
      const root = projectRoot();
      const statuses = await imageStatuses(undefined, root, await projectImages(root, opts.target));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
        return;
      }
      printTable(
        ["NAME", "REFERENCE", "STATE", "SIZE", "INPUT HASH", "BUILT AT"],
        statuses.map((s) => [
          s.name,
          s.ref,
          s.state,
          formatBytes(s.sizeBytes),
          s.inputHash.slice(0, 12),
          s.builtAt ?? (s.reason ? `(${s.reason})` : "-"),
        ]),
      );
    });
}
