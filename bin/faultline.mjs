#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// faultline runs on Node 24, which the project installs from the npm registry into
// node_modules/.bin/node (see package.json's optionalDependencies): `npx faultline` and the npm
// scripts find it first in PATH. Started by an older node (`node bin/faultline.mjs` on a machine
// with Node 20), this hands over to the project's Node, or says what to do when there is none.
if (Number(process.versions.node.split(".")[0]) < 24) {
  const projectNode = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".bin", "node");
  if (!existsSync(projectNode) || process.env.FAULTLINE_NODE_HANDOVER) {
    process.stderr.write(
      `faultline: needs Node.js 24 or later; this is ${process.version} (${process.execPath}).\n` +
        `  Fix: run \`npm run setup\` (it installs Node 24 into node_modules), then \`npx faultline ...\`;\n` +
        `  or install Node.js 24 yourself (the project's .nvmrc says 24).\n`,
    );
    process.exit(2);
  }
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    // Its children (the tools faultline spawns, `faultline doctor`'s check) find that Node first too.
    env: {
      ...process.env,
      PATH: `${dirname(projectNode)}${delimiter}${process.env.PATH ?? ""}`,
      FAULTLINE_NODE_HANDOVER: "1",
    },
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
  child.on("exit", (code, signal) => {
    if (signal) {
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.off(s, forward);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  // Testcontainers' Ryuk reaper cannot be built from the package registries: faultline cleans up
  // itself. With a local Docker socket the host is this machine; without the override,
  // Testcontainers (seeing /.dockerenv) would start a helper container from a pulled image to guess it.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  // Published ports listen on loopback only (src/env/bind-host.ts), so the host is 127.0.0.1.
  if (!process.env.DOCKER_HOST) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
  process.env.PACT_DO_NOT_TRACK ??= "true";
  process.env.SCARF_ANALYTICS ??= "false";

  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
