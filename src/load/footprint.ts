/**
 * The footprint of each service of a target and the claims table: image size (on disk and
 * compressed), start to ready over many restarts, memory idle and under load (cgroup and RSS),
 * REST vs gRPC on the same read at the same concurrency, and payload bytes of the same message
 * as protobuf and as JSON. Figures from a benchmark, never from a timed test.
 */
import { createGzip } from "node:zlib";
import { docker } from "../docker-client.ts";
import { loadManifest, resolveImage } from "../env/manifest.ts";
import { Environment, type StartedStack } from "../env/stack.ts";
import type { Journal, LoadRun } from "../report/journal.ts";
import { projectRoot } from "../paths.ts";
import { runLoad } from "./run-load.ts";
import { loadScenario } from "./scenario.ts";
import { idleRss, startToReady } from "./service-bench.ts";
import { sleep } from "../poll.ts";
import { median, summarize } from "../statistics.ts";

type Footprint = NonNullable<Journal["footprint"]>;

export interface FootprintOptions {
  target: string;
  /**
   * The load scenarios (suites/load) whose one request is the same read over REST and over gRPC,
   * for the claims "gRPC is 3-5x faster" and "protobuf payloads are 30-50% smaller".
   */
  compare: { rest: string; grpc: string };
  /** Restarts per service for start -> ready (at least 20 for the figures). */
  samples?: number;
  /** Seconds of the average profile while memory under load is sampled. */
  loadSeconds?: number;
  /** Nominal rate of that load (iterations/s). */
  loadRate?: number;
  /** Seconds of each side of the REST vs gRPC comparison. */
  compareSeconds?: number;
  /** VUs (concurrent requests) of each side. */
  compareVUs?: number;
  log?: (line: string) => void;
}

/** Claims are in MB: decimal megabytes, as Docker prints image sizes. */
const MB = 1_000_000;

/** Bytes of the image as `docker save | gzip` writes them (what a registry push would send, roughly). */
async function compressedSize(ref: string): Promise<number> {
  const tar = await docker().getImage(ref).get();
  const gz = createGzip({ level: 6 });
  let n = 0;
  gz.on("data", (c: Buffer) => (n += c.length));
  await new Promise<void>((resolve, reject) => {
    gz.on("end", resolve);
    gz.on("error", reject);
    tar.on("error", reject);
    tar.pipe(gz);
  });
  return n;
}

/** The container's memory as Docker reports it: usage less the page cache that can be dropped. */
async function cgroupMemory(stack: StartedStack, service: string): Promise<number> {
  const s = (await docker()
    .getContainer(`${stack.network.name}-${service}`)
    .stats({ stream: false })) as unknown as {
    memory_stats: { usage?: number; stats?: Record<string, number> };
  };
  const m = s.memory_stats;
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? m.stats?.cache ?? 0;
  return (m.usage ?? 0) - cache;
}

/**
 * One side of the REST vs gRPC comparison: a load scenario of the target (suites/load/<name>.ts)
 * with a single request, run closed-model at `vus` for `seconds`.
 */
async function compareSide(name: string, vus: number, seconds: number, grpcConnections?: number) {
  const s = await loadScenario(name);
  if (s.requests.length !== 1)
    throw new Error(
      `${s.file}: a comparison scenario must have exactly one request (it has ${s.requests.length}): the claims compare one read`,
    );
  return {
    ...s,
    executor: { type: "constant-vus" as const, vus, duration: `${seconds}s` },
    ...(grpcConnections ? { grpcConnections } : {}),
  };
}

function sideFigures(run: LoadRun) {
  const r = run.requests[0]!;
  const secs = run.series.length || 1;
  const bytesIn = run.series.reduce((a, s) => a + s.bytesIn, 0);
  return {
    rps: r.count / secs,
    p50: r.latencyMs?.med ?? NaN,
    p95: r.latencyMs?.p95 ?? NaN,
    p99: r.latencyMs?.p99 ?? NaN,
    failed: r.failed,
    bytesPerResponse: r.count ? bytesIn / r.count : NaN,
  };
}

export interface FootprintResult {
  target: string;
  footprint: Footprint;
  method: string;
}

export async function footprintBench(opts: FootprintOptions): Promise<FootprintResult> {
  const log = opts.log ?? (() => {});
  const samples = opts.samples ?? 20;
  const manifest = await loadManifest(opts.target, projectRoot());
  const services = Object.keys(manifest.services);
  await using stack = await new Environment(manifest).start();
  const out: Footprint["services"] = [];

  for (const svc of services) {
    const ref = resolveImage(manifest.services[svc]!.image);
    const info = await docker().getImage(ref).inspect();
    log(`${svc}: image ${(info.Size / MB).toFixed(1)} MB; ${samples} restarts ...`);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push(await startToReady(stack, svc));
    out.push({
      name: svc,
      imageBytes: info.Size,
      imageCompressedBytes: await compressedSize(ref),
      startToReadyMs: summarize(times),
    });
  }
  await sleep(5000);
  for (const f of out) {
    const rss = await idleRss(stack, f.name);
    f.memory = { idleBytes: await cgroupMemory(stack, f.name), idleRssBytes: rss.rss };
  }

  // Memory under the average profile of the smoke scenario's requests: the peak of each service.
  const loadSeconds = opts.loadSeconds ?? 30;
  log(`memory under load: average profile at ${opts.loadRate ?? 50}/s for ${loadSeconds} s ...`);
  const peak = new Map<string, { cg: number; rss: number }>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const svc of services) {
        const [cg, rss] = await Promise.all([cgroupMemory(stack, svc), idleRss(stack, svc)]);
        const p = peak.get(svc) ?? { cg: 0, rss: 0 };
        peak.set(svc, { cg: Math.max(p.cg, cg), rss: Math.max(p.rss, rss.rss) });
      }
      await sleep(1000);
    }
  })();
  const avg = await runLoad(stack, await loadScenario("smoke"), {
    profile: "average",
    durationS: loadSeconds,
    rate: opts.loadRate ?? 50,
  }).finally(() => (sampling = false));
  await sampler;
  for (const f of out) {
    const p = peak.get(f.name);
    f.memory = { ...f.memory, loadBytes: p?.cg, loadRssBytes: p?.rss };
  }

  // REST vs gRPC: the same read, same VUs, one after the other on one stack.
  const vus = opts.compareVUs ?? 8;
  const secs = opts.compareSeconds ?? 15;
  const restSide = await compareSide(opts.compare.rest, vus, secs);
  const read = restSide.requests[0]!.name;
  log(`REST vs gRPC: ${read} (${opts.compare.rest} vs ${opts.compare.grpc}), ${vus} VUs, ${secs} s each ...`);
  const rest = sideFigures(await runLoad(stack, restSide));
  const grpc = sideFigures(await runLoad(stack, await compareSide(opts.compare.grpc, vus, secs)));
  // gRPC multiplexes on one connection; REST keeps one per VU: also gRPC with as many connections.
  const grpcConns = sideFigures(await runLoad(stack, await compareSide(opts.compare.grpc, vus, secs, vus)));

  const max = (xs: number[]) => Math.max(...xs);
  const images = out.map((f) => f.imageBytes! / MB);
  const starts = out.map((f) => f.startToReadyMs!.median);
  const idle = out.map((f) => f.memory!.idleRssBytes! / MB);
  const loaded = out.map((f) => (f.memory!.loadRssBytes ?? NaN) / MB);
  const speedup = grpc.rps / rest.rps;
  const smaller = 1 - grpc.bytesPerResponse / rest.bytesPerResponse;
  const per = (xs: number[], unit: string, digits = 1) =>
    out.map((f, i) => `${f.name} ${xs[i]!.toFixed(digits)}${unit}`).join(", ");
  const claims: Footprint["claims"] = [
    {
      claim: "Go services ship in 5-15 MB images",
      measured: per(images, " MB"),
      held: images.every((x) => x <= 15),
      detail: `largest ${max(images).toFixed(1)} MB; compressed ${per(
        out.map((f) => f.imageCompressedBytes! / MB),
        " MB",
      )}`,
    },
    {
      claim: "start in about 100 ms",
      measured: per(starts, " ms", 0),
      held: starts.every((x) => x <= 150),
      detail: `median process start to /readyz 200 of ${samples} restarts each, dependencies up ("about" = at most 150 ms)`,
    },
    {
      claim: "about 50 MB per instance",
      measured: `idle RSS ${per(idle, " MB")}; under load ${per(loaded, " MB")}`,
      held: [...idle, ...loaded].every((x) => x <= 75),
      detail: `peak RSS during ${loadSeconds} s of the average profile ("about" = at most 75 MB)`,
    },
    {
      claim: "gRPC is 3-5x faster than JSON REST",
      measured: `${speedup.toFixed(2)}x the throughput (gRPC ${grpc.rps.toFixed(0)} vs REST ${rest.rps.toFixed(0)} req/s; gRPC on ${vus} connections ${grpcConns.rps.toFixed(0)}); p95 ${grpc.p95} vs ${rest.p95} ms`,
      held: Math.max(speedup, grpcConns.rps / rest.rps) >= 3,
      detail: `${read} (load scenarios ${opts.compare.rest} and ${opts.compare.grpc}), ${vus} VUs each, ${secs} s each, same stack, runner inside the network`,
    },
    {
      claim: "protobuf payloads are 30-50% smaller than JSON",
      measured: `${(smaller * 100).toFixed(0)}% smaller (${grpc.bytesPerResponse.toFixed(0)} vs ${rest.bytesPerResponse.toFixed(0)} bytes per response)`,
      held: smaller >= 0.3,
      detail: `the same read (${read}): the gRPC response's protobuf vs the HTTP port's JSON body`,
    },
  ];
  return {
    target: manifest.name,
    footprint: {
      services: out,
      claims,
      comparisons: [
        { name: `${read} over REST`, figures: { ...rest } },
        { name: `${read} over gRPC (1 connection)`, figures: { ...grpc } },
        { name: `${read} over gRPC (${vus} connections)`, figures: { ...grpcConns } },
        {
          name: "average profile (memory under load)",
          figures: {
            requests: avg.requests.reduce((a, r) => a + r.count, 0),
            status: avg.status,
            medianStartMs: median(starts),
          },
        },
      ],
    },
    method:
      "start to ready: docker stop + start with every dependency up, Docker's State.StartedAt to the first 200 of /readyz polled every 2 ms from the host. " +
      "memory: cgroup usage less inactive file pages (Docker stats) and VmRSS of the process (/proc), idle 5 s after the restarts and the peak under load. " +
      "images: docker image size; compressed = docker save | gzip -6. REST vs gRPC: faultline's load runner on the stack's network, closed model.",
  };
}
