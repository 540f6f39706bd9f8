import { inspectImage } from "../docker-client.ts";
import { loadManifest } from "../env/manifest.ts";
import { Environment } from "../env/stack.ts";
import { imageRef, resolveImage } from "../images/catalog.ts";
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
  const refs = [
    imageRef("toxiproxy"),
    ...[...Object.values(manifest.infrastructure), ...Object.values(manifest.services)].map((s) =>
      resolveImage(s.image),
    ),
  ];
  const images = Object.fromEntries(
    await Promise.all(refs.map(async (r) => [r, (await inspectImage(r))?.sizeBytes] as const)),
  );
  return { target: manifest.name, goalMs: 10_000, runs: out, images };
}
