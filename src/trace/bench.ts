/**
 * Figures of the trace backend (not a test): image size, container start to ready (its
 * "Everything is ready" line), idle memory, and the time it takes to stop on SIGTERM.
 */
import { Wait } from "testcontainers";
import { docker, inspectImage } from "../docker-client.ts";
import { managedContainer } from "../env/managed-container.ts";
import { TRACING_QUERY_PORT } from "../env/stack.ts";
import { imageRef } from "../images/catalog.ts";

export interface TracingBench {
  image: string;
  imageBytes?: number;
  runs: { createdToReadyMs: number; startedToReadyMs: number; idleMemoryBytes: number; stopMs: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function tracingBench(runs = 3, image = imageRef("jaeger")): Promise<TracingBench> {
  const out: TracingBench = { image, imageBytes: (await inspectImage(image))?.sizeBytes, runs: [] };
  for (let i = 0; i < runs; i++) {
    const c = await managedContainer(image)
      .withExposedPorts(TRACING_QUERY_PORT)
      .withWaitStrategy(Wait.forLogMessage(/Everything is ready/))
      .start();
    const readyAt = Date.now();
    try {
      const handle = docker().getContainer(c.getId());
      const info = await handle.inspect();
      // Idle: a few seconds after ready, nothing sent to it.
      await sleep(3000);
      const stats = (await handle.stats({ stream: false })) as {
        memory_stats: { usage?: number; stats?: { total_inactive_file?: number; inactive_file?: number } };
      };
      const m = stats.memory_stats;
      const idle = (m.usage ?? 0) - (m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0);
      const t0 = Date.now();
      await handle.stop({ t: 30 });
      out.runs.push({
        createdToReadyMs: readyAt - new Date(info.Created).getTime(),
        startedToReadyMs: readyAt - new Date(info.State.StartedAt).getTime(),
        idleMemoryBytes: idle,
        stopMs: Date.now() - t0,
      });
    } finally {
      await c.stop({ remove: true, timeout: 1000 }).catch(() => undefined);
    }
  }
  return out;
}
