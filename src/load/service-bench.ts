import { readFile } from "node:fs/promises";
import { docker, inspectImage } from "../docker-client.ts";
import { loadManifest } from "../env/manifest.ts";
import { Environment, type StartedStack } from "../env/stack.ts";
import { resolveImage } from "../images/catalog.ts";
import { projectRoot } from "../paths.ts";
import { pollUntil, sleep } from "../poll.ts";
import { summarize } from "../statistics.ts";

export interface ServiceFigures {
  service: string;
  imageBytes?: number;
  /** Process start (Docker's State.StartedAt) to the first 200 from /readyz, dependencies up. */
  startToReadyMs: { median: number; p90: number; min: number; max: number; samples: number };
  /** Resident memory of the service's process after it has been idle (VmRSS), and its anonymous part. */
  idleRssBytes: number;
  idleAnonBytes: number;
}

export interface ServiceBenchResult {
  target: string;
  method: string;
  claims: { imageMB: string; startMs: string; memoryMB: string };
  services: ServiceFigures[];
}

/** Stops the service, starts it again, and times process start -> /readyz 200 (polled every 2 ms). */
export async function startToReady(
  stack: StartedStack,
  service: string,
  timeoutMs = 30_000,
): Promise<number> {
  const spec = stack.manifest.services[service]!;
  const c = docker().getContainer(`${stack.network.name}-${service}`);
  await c.stop({ t: 10 });
  await c.start();
  const info = await c.inspect();
  const hostPort = info.NetworkSettings.Ports[`${spec.ports.http}/tcp`]?.[0]?.HostPort;
  if (!hostPort) throw new Error(`${service}: no host port for ${spec.ports.http} after restart`);
  const url = `http://127.0.0.1:${hostPort}${spec.readiness}`;
  const ready = await pollUntil(
    () =>
      fetch(url, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.status === 200)
        .catch(() => false),
    (ok) => ok,
    { timeoutMs, intervalMs: 2 },
  );
  if (!ready.done) throw new Error(`${service}: ${url} not 200 within ${timeoutMs} ms`);
  return ready.at - new Date((await c.inspect()).State.StartedAt).getTime();
}

/** VmRSS and RssAnon of the container's main process, from /proc on this host (kB -> bytes). */
export async function idleRss(stack: StartedStack, service: string): Promise<{ rss: number; anon: number }> {
  const info = await docker().getContainer(`${stack.network.name}-${service}`).inspect();
  const status = await readFile(`/proc/${info.State.Pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon") };
}

/**
 * Per-service figures on the running target: image size, start to ready (median of `samples`
 * restarts with every dependency up), idle RSS. Claims of the source article beside them.
 */
export async function serviceBench(target: string, samples = 20): Promise<ServiceBenchResult> {
  const manifest = await loadManifest(target, projectRoot());
  await using stack = await new Environment(manifest).start();
  const services: ServiceFigures[] = [];
  for (const service of Object.keys(manifest.services)) {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push(await startToReady(stack, service));
    await sleep(5000);
    const image = await inspectImage(resolveImage(manifest.services[service]!.image));
    services.push({
      service,
      imageBytes: image?.sizeBytes,
      startToReadyMs: summarize(times),
      ...(await idleRss(stack, service).then((m) => ({ idleRssBytes: m.rss, idleAnonBytes: m.anon }))),
    });
  }
  return {
    target: manifest.name,
    method:
      `start-to-ready: docker stop + start of the service with every dependency up, from the engine's State.StartedAt ` +
      `to the first HTTP 200 of its readiness endpoint polled every 2 ms from the host; ${samples} samples. ` +
      `idle RSS: VmRSS (and RssAnon) of the service's process from /proc/<pid>/status on the host, 5 s after the last restart.`,
    claims: { imageMB: "5-15", startMs: "~100", memoryMB: "~50" },
    services,
  };
}
