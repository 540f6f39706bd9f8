// postinstall: the native module (better-sqlite3) must load in the Node that runs the project (node_modules/.bin/node,
// Node 24 from the registry's node-linux-* package, first in PATH for npm scripts). A plain
// `npm ci` on a machine whose npmrc says nodedir=/usr compiles better-sqlite3 against that
// machine's Node headers, and the module then refuses to load (NODE_MODULE_VERSION mismatch).
// When it does not load, this rebuilds it from source against the headers shipped beside the
// running Node (<prefix>/include/node): node-gyp downloads nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const say = (line) => process.stderr.write(`check-native: ${line}\n`);

/** null when better-sqlite3 loads, else why not. In a child process: a process that once failed to
 * load the module keeps failing on the same path ("did not self-register") even after a rebuild. */
function loads() {
  const probe = spawnSync(
    process.execPath,
    ["-e", 'const D = require("better-sqlite3"); new D(":memory:").close();'],
    { cwd: root, encoding: "utf8" },
  );
  if (probe.status === 0) return null;
  // e.g. "... was compiled against a different Node.js version using NODE_MODULE_VERSION 115.
  // This version of Node.js requires NODE_MODULE_VERSION 137. ..."
  const text = probe.stderr || `exit ${probe.status ?? probe.signal}`;
  return (
    text.match(/NODE_MODULE_VERSION \d+\.[\s\S]*?NODE_MODULE_VERSION \d+/)?.[0].replace(/\s+/g, " ") ??
    text.split("\n").find((l) => /Error/.test(l)) ??
    text.split("\n")[0]
  );
}

// Nothing installed to check (`npm install --package-lock-only` runs postinstall too).
try {
  require.resolve("better-sqlite3");
} catch {
  process.exit(0);
}
const failure = loads();
if (failure === null) process.exit(0);

const prefix = dirname(dirname(process.execPath));
const headers = join(prefix, "include", "node", "node_version.h");
if (!existsSync(headers)) {
  say(`better-sqlite3 does not load in Node ${process.version} (${failure}),`);
  say(`and ${headers} is missing, so it cannot be rebuilt without downloading headers.`);
  say(`Fix: run \`npm run setup\` (it installs Node 24 with its headers into node_modules).`);
  process.exit(1);
}
say(`better-sqlite3 does not load in Node ${process.version} (${failure}); rebuilding it against ${prefix}`);
const rebuilt = spawnSync("npm", ["rebuild", "better-sqlite3", "--loglevel=error"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, npm_config_nodedir: prefix, npm_config_build_from_source: "true" },
});
const after = rebuilt.status === 0 ? loads() : `npm rebuild exited ${rebuilt.status ?? rebuilt.signal}`;
if (after !== null) {
  say(`better-sqlite3 still does not load: ${after}`);
  process.exit(1);
}
say(`better-sqlite3 rebuilt for Node ${process.version}`);
