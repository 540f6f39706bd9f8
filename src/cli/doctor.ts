import type { Command } from "commander";
import { dockerVersion } from "../docker-client.ts";
import { exposedPorts, freeDiskBytes, runDoctor } from "../env/doctor.ts";
import { findCheck, readSystemPackages } from "../env/system-packages.ts";
import { projectImages } from "../env/manifest.ts";
import { useProtobufPlugin } from "../contracts/protobuf-plugin.ts";
import { imageStatuses } from "../images/image-builder.ts";
import { checkToolchain } from "../images/toolchain.ts";
import { projectRoot } from "../paths.ts";

const MARK = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const;

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description(
      "check Docker, images, Node, Go, Java, the Debian packages of scripts/system-packages.tsv and disk; print the fix for each problem",
    )
    .option("--json", "print the report as JSON")
    .action(async (opts: { json?: boolean }) => {
      const report = await runDoctor(
        {
          dockerVersion: () => dockerVersion(),
          imageStatuses: async () =>
            imageStatuses(undefined, projectRoot(), await projectImages(projectRoot())),
          toolchain: () => checkToolchain(),
          systemPackages: async () =>
            readSystemPackages(projectRoot()).map((pkg) => ({ pkg, found: findCheck(pkg.check) })),
          freeDiskBytes,
          exposedPorts,
          protobufPlugin: async () => {
            const p = useProtobufPlugin();
            return `protobuf ${p.version} in ${p.dir}`;
          },
        },
        projectRoot(),
      );
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        for (const c of report.checks) {
          process.stdout.write(`${MARK[c.status]}  ${c.name.padEnd(26)} ${c.detail}\n`);
          if (c.fix) process.stdout.write(`      ${"".padEnd(26)} fix: ${c.fix}\n`);
        }
        process.stdout.write(
          report.ok ? "\nAll checks passed.\n" : "\nSome checks failed: run the fixes above.\n",
        );
      }
      process.exitCode = report.ok ? 0 : 1;
    });
}
