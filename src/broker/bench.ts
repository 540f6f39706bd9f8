/**
 * Benchmark: publish 50 pacts (25 consumers, each with a main-branch and a feature-branch
 * version) to a fresh broker, verify half of them, then time `POST .../for-verification` with the
 * selectors a provider build sends (main branch, deployed or released, matching branch, pending
 * and WIP). Prints JSON with p50 and p95 in milliseconds.
 *
 *   npx tsx src/broker/bench.ts [--requests 200]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBrokerServer } from "./server.ts";

const CONSUMERS = 25;
const PROVIDER = "bench-api";

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

function pactFor(consumer: string, version: string, interactions: number): string {
  const pact = {
    consumer: { name: consumer },
    provider: { name: PROVIDER },
    interactions: Array.from({ length: interactions }, (_, i) => ({
      description: `a request for product SKU-${i} from ${consumer} ${version}`,
      providerStates: [{ name: `product SKU-${i} exists` }],
      request: { method: "GET", path: `/products/SKU-${i}` },
      response: {
        status: 200,
        headers: { "Content-Type": "application/json" },
        body: { sku: `SKU-${i}`, name: "x" },
      },
    })),
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  return Buffer.from(JSON.stringify(pact)).toString("base64");
}

async function main(): Promise<void> {
  const requestsArg = process.argv.indexOf("--requests");
  const requests = requestsArg > 0 ? Number(process.argv[requestsArg + 1]) : 200;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-broker-bench-"));
  const broker = await startBrokerServer({ dataDir });
  try {
    const post = (url: string, body: unknown): Promise<Response> =>
      fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });

    const env = await json(
      await post(`${broker.url}/environments`, { name: "production", production: true }),
      "create environment",
    );
    let published = 0;
    const publishStart = performance.now();
    for (let c = 0; c < CONSUMERS; c++) {
      const consumer = `bench-web-${c}`;
      await json(
        await post(`${broker.url}/pacticipants`, { name: consumer, mainBranch: "main" }),
        "create pacticipant",
      );
      for (const [version, branch, interactions] of [
        [`${c}.1.0`, "main", 3],
        [`${c}.2.0`, `feat-${c}`, 4],
      ] as const) {
        await json(
          await post(`${broker.url}/contracts/publish`, {
            pacticipantName: consumer,
            pacticipantVersionNumber: version,
            branch,
            contracts: [
              {
                consumerName: consumer,
                providerName: PROVIDER,
                specification: "pact",
                contentType: "application/json",
                content: pactFor(consumer, version, interactions),
              },
            ],
          }),
          "publish",
        );
        published++;
      }
      // Main-branch versions are deployed and verified by the provider's main branch.
      await json(
        await post(
          `${broker.url}/pacticipants/${consumer}/versions/${c}.1.0/deployed-versions/environment/${String(env.uuid)}`,
          {},
        ),
        "record deployment",
      );
      const pact = await json(
        await fetch(`${broker.url}/pacts/provider/${PROVIDER}/consumer/${consumer}/version/${c}.1.0`),
        "get pact",
      );
      const links = pact._links as Record<string, { href: string }>;
      await fetch(`${broker.url}/pacticipants/${PROVIDER}/branches/main/versions/p1`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      await json(
        await post(links["pb:publish-verification-results"]!.href, {
          providerApplicationVersion: "p1",
          success: true,
        }),
        "publish verification",
      );
    }
    const publishMs = performance.now() - publishStart;

    const body = {
      consumerVersionSelectors: [
        { mainBranch: true },
        { deployedOrReleased: true },
        { matchingBranch: true },
      ],
      includePendingStatus: true,
      includeWipPactsSince: "2000-01-01",
      providerVersionBranch: "main",
    };
    const url = `${broker.url}/pacts/provider/${PROVIDER}/for-verification`;
    let returned = 0;
    for (let i = 0; i < 20; i++) await json(await post(url, body), "warm-up");
    const latencies: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      const res = await json(await post(url, body), "pacts for verification");
      latencies.push(performance.now() - t);
      returned = ((res._embedded as { pacts: unknown[] }).pacts ?? []).length;
    }
    latencies.sort((a, b) => a - b);
    const round = (n: number): number => Math.round(n * 100) / 100;
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: "pacts-for-verification",
          publishedPacts: published,
          pactsReturnedPerRequest: returned,
          requests,
          p50Ms: round(percentile(latencies, 50)),
          p95Ms: round(percentile(latencies, 95)),
          meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
          maxMs: round(latencies[latencies.length - 1]!),
          publishAllMs: round(publishMs),
          node: process.version,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
