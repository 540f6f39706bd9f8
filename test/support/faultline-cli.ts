import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/paths.ts";

const run = promisify(execFile);
export const faultlineBin = path.join(projectRoot(), "bin", "faultline.mjs");

/** Runs the CLI as a user would (`node bin/faultline.mjs ...`) with extra environment; never throws on a non-zero exit. */
export async function runFaultline(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [faultlineBin, ...args], {
      cwd: projectRoot(),
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
