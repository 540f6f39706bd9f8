import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The faultline checkout (where package.json is). */
export function projectRoot(): string {
  return path.resolve(here, "..");
}

/**
 * Build caches: Go tool binaries, build contexts, build logs. Shared by every checkout of the
 * machine (CI clones afresh each time), so a warm run reuses them. FAULTLINE_CACHE_DIR overrides.
 */
export function cacheDir(): string {
  return (
    process.env.FAULTLINE_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "faultline")
  );
}

/** Generated runs: one folder per run. FAULTLINE_REPORTS_DIR overrides. */
export function reportsDir(): string {
  return process.env.FAULTLINE_REPORTS_DIR ?? path.join(projectRoot(), "reports");
}
