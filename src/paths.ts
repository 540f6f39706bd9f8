import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The faultline checkout (where package.json is). */
export function projectRoot(): string {
  return path.resolve(here, "..");
}

/** Build caches: Go tool binaries, root filesystems, build logs. FAULTLINE_CACHE_DIR overrides. */
export function cacheDir(): string {
  return process.env.FAULTLINE_CACHE_DIR ?? path.join(projectRoot(), ".cache");
}

/** Generated runs: one folder per run. FAULTLINE_REPORTS_DIR overrides. */
export function reportsDir(): string {
  return process.env.FAULTLINE_REPORTS_DIR ?? path.join(projectRoot(), "reports");
}
