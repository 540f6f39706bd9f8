// postinstall: the native modules must load in the Node that runs the project (node_modules/.bin/node,
// Node 24 from the registry's node-linux-* package, first in PATH for npm scripts). A plain
// `npm ci` on a machine whose npmrc says nodedir=/usr compiles better-sqlite3 against that
// machine's Node headers, and the module then refuses to load (NODE_MODULE_VERSION mismatch).
// When it does not load, this rebuilds it from source against the headers shipped beside the
// running Node (<prefix>/include/node): node-gyp downloads nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const say = (line) => process.stderr.write(`check-native: ${line}\n`);

function loads() {
  try {
    const Database = require("better-sqlite3");
    new Database(":memory:").close();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
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
  stdio: "inherit",
  env: { ...process.env, npm_config_nodedir: prefix, npm_config_build_from_source: "true" },
});
const after = rebuilt.status === 0 ? loads() : `npm rebuild exited ${rebuilt.status ?? rebuilt.signal}`;
if (after !== null) {
  say(`better-sqlite3 still does not load: ${after}`);
  process.exit(1);
}
say(`better-sqlite3 rebuilt for Node ${process.version}`);
