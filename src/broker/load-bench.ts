/**
 * `faultline broker bench`: publish and can-i-deploy latency under concurrent clients, and the
 * webhook fire delay (publish answered -> the webhook's request received), on SQLite or on a
 * PostgreSQL database. Prints figures; asserts nothing (a benchmark, not a test).
 *
 * The broker runs in this process (as `broker start` would), the clients are `fetch` loops and the
 * webhook target a local HTTP server; so the figures include one event loop's queueing.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { startBrokerServer } from "./server.ts";

export interface LoadBenchOptions {
  /** Concurrent clients; default 20. */
  clients?: number;
  /** Requests per client per phase; default 25. */
  perClient?: number;
  /** PostgreSQL instead of a fresh SQLite directory (use an empty database). */
  databaseUrl?: string;
}

export interface Figures {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadBenchResult {
  store: "sqlite" | "postgres";
  clients: number;
  publish: Figures;
  canIDeploy: Figures;
  webhookFireDelay: Figures;
  webhookRequestsReceived: number;
}

function figures(xs: number[]): Figures {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { count: s.length, p50Ms: r(at(50)), p99Ms: r(at(99)), maxMs: r(s[s.length - 1] ?? NaN) };
}

function publishBody(consumer: string, version: string): unknown {
  const pact = {
    consumer: { name: consumer },
    provider: { name: "bench-api" },
    interactions: [
      {
        description: `a request from ${consumer} ${version}`,
        request: { method: "GET", path: `/products/${version}` },
        response: { status: 200, body: { version } },
      },
    ],
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  return {
    pacticipantName: consumer,
    pacticipantVersionNumber: version,
    branch: "main",
    contracts: [
      {
        consumerName: consumer,
        providerName: "bench-api",
        specification: "pact",
        contentType: "application/json",
        content: Buffer.from(JSON.stringify(pact)).toString("base64"),
      },
    ],
  };
}

async function receiver(): Promise<{
  url: string;
  arrived: Map<string, number>;
  close: () => Promise<void>;
}> {
  const arrived = new Map<string, number>();
  const server = http.createServer((req, res) => {
    arrived.set(new URL(req.url ?? "/", "http://x").searchParams.get("v") ?? "", performance.now());
    req.resume();
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, arrived, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function brokerLoadBench(o: LoadBenchOptions = {}): Promise<LoadBenchResult> {
  const clients = o.clients ?? 20;
  const perClient = o.perClient ?? 25;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-broker-load-"));
  const target = await receiver();
  const broker = await startBrokerServer({
    dataDir,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    webhooks: { whitelist: { schemes: ["http"], hosts: ["127.0.0.1"] }, maxPending: clients * perClient * 2 },
  });
  try {
    const post = (p: string, body: unknown) =>
      fetch(`${broker.url}${p}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const hook = await post("/webhooks", {
      events: [{ name: "contract_published" }],
      request: { method: "POST", url: `${target.url}/hook?v=\${pactbroker.consumerVersionNumber}` },
    });
    if (hook.status !== 201)
      throw new Error(`creating the webhook answered ${hook.status}: ${await hook.text()}`);

    const publish: number[] = [];
    const answered = new Map<string, number>();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
          const version = `${c}.${i}`;
          const t = performance.now();
          const res = await post("/contracts/publish", publishBody(`bench-web-${c}`, version));
          await res.arrayBuffer();
          const done = performance.now();
          if (res.status !== 200) throw new Error(`publish ${version} answered ${res.status}`);
          publish.push(done - t);
          answered.set(version, done);
        }
      }),
    );

    const canIDeploy: number[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
          const q = `q[][pacticipant]=bench-web-${c}&q[][version]=${c}.${i}&latestby=cvpv`;
          const t = performance.now();
          const res = await fetch(`${broker.url}/matrix?${q}`);
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`matrix answered ${res.status}`);
          canIDeploy.push(performance.now() - t);
        }
      }),
    );

    const deadline = Date.now() + 30_000;
    while (target.arrived.size < answered.size && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const delays = [...answered].flatMap(([v, at]) => {
      const got = target.arrived.get(v);
      return got === undefined ? [] : [got - at];
    });
    return {
      store: o.databaseUrl ? "postgres" : "sqlite",
      clients,
      publish: figures(publish),
      canIDeploy: figures(canIDeploy),
      webhookFireDelay: figures(delays),
      webhookRequestsReceived: target.arrived.size,
    };
  } finally {
    await broker.stop();
    await target.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
