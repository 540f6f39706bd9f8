import { loadManifest } from "../env/manifest.ts";
import { Environment } from "../env/stack.ts";
import { imageStatuses } from "../images/image-builder.ts";
import { projectRoot } from "../paths.ts";

export interface StartupBenchResult {
  target: string;
  /** Goal from the env-driver issue: whole stack ready within this, images already built. */
  goalMs: number;
  runs: { label: string; totalMs: number; containers: Record<string, number> }[];
  images: Record<string, number | undefined>;
}

/**
 * Starts the target's stack `runs` times in a row (the first is "cold": nothing of the stack has
 * run yet in this process; later ones are "warm") and reports ready times. Not a test: figures.
 */
export async function startupBench(target: string, runs = 2): Promise<StartupBenchResult> {
  const manifest = await loadManifest(target, projectRoot());
  const out: StartupBenchResult["runs"] = [];
  for (let i = 0; i < runs; i++) {
    const stack = await new Environment(manifest).start();
    try {
      out.push({
        label: i === 0 ? "cold" : `warm-${i}`,
        totalMs: stack.timings.totalMs,
        containers: Object.fromEntries(stack.timings.containers.map((c) => [c.name, c.createdToReadyMs])),
      });
    } finally {
      await stack.stop();
    }
  }
  const images = Object.fromEntries((await imageStatuses()).map((s) => [s.ref, s.sizeBytes]));
  return { target: manifest.name, goalMs: 10_000, runs: out, images };
}
