/**
 * Every link the broker advertises resolves: starting at the index, through a pact published
 * with the official CLI, verified by the FFI verifier (results published) and deployed, the
 * crawler follows every `_links` entry of every resource (templates filled with the names of
 * what was published, curies expanded for every `pb:` relation seen) and fails on any 404 or
 * server error. A link whose template it cannot fill fails too, so a new template must be
 * given a value here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import {
  pactBroker,
  startProductProvider,
  tempDir,
  verifyFromBroker,
  writePact,
  type StartedProvider,
} from "../support/broker-test-kit.ts";

interface Link {
  href: string;
  templated?: boolean;
}

interface Visit {
  url: string;
  /** Which resource advertised it, under which relation. */
  from: string;
}

/** Every link in a HAL body, with its relation, including those of embedded resources. */
function linksIn(body: unknown, out: { rel: string; link: Link }[] = []): { rel: string; link: Link }[] {
  if (Array.isArray(body)) {
    for (const x of body) linksIn(x, out);
  } else if (body && typeof body === "object") {
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (key === "_links" && value && typeof value === "object") {
        for (const [rel, l] of Object.entries(value as Record<string, unknown>)) {
          for (const link of Array.isArray(l) ? l : [l])
            if (link && typeof link === "object" && typeof (link as Link).href === "string")
              out.push({ rel, link: link as Link });
        }
      } else {
        linksIn(value, out);
      }
    }
  }
  return out;
}

describe("every link the broker advertises resolves", { timeout: 120_000 }, () => {
  let broker: StartedBrokerServer;
  let provider: StartedProvider;
  const seeds: Visit[] = [];
  // Template values; {version} is the version of the pacticipant the URL is about.
  const values: Record<string, string> = {
    provider: "products",
    consumer: "shop-ui",
    pacticipant: "shop-ui",
    version: "1.0.0",
    consumerApplicationVersion: "1.0.0",
    tag: "prod",
    branch: "main",
    environment: "production",
  };
  const versionOf: Record<string, string> = { "shop-ui": "1.0.0", products: "2.0.0" };

  beforeAll(async () => {
    broker = await startBrokerServer({ dataDir: tempDir("broker-links") });
    provider = await startProductProvider();
    const b = ["--broker-base-url", broker.url];
    const env = await pactBroker(["create-environment", ...b, "--name", "production", "--production"]);
    expect(env.code, env.stdout + env.stderr).toBe(0);
    values.uuid = /UUID ([0-9a-f-]{36})/.exec(env.stdout)![1]!;
    // The index's `pb:webhook` template takes {uuid} too: a webhook with that uuid makes it resolve.
    const hook = await pactBroker([
      "create-or-update-webhook",
      "https://ci.example/build",
      "--uuid",
      values.uuid,
      "-X",
      "POST",
      "--contract-content-changed",
      "--consumer",
      "shop-ui",
      "--provider",
      "products",
      ...b,
    ]);
    expect(hook.code, hook.stdout + hook.stderr).toBe(0);

    const file = writePact(tempDir("broker-links-pacts"), "shop-ui", "products", [
      {
        description: "a request for product SKU-1",
        path: "/products/SKU-1",
        status: 200,
        body: { sku: "SKU-1", name: "Product SKU-1" },
      },
    ]);
    // The publication's response advertises links too: publish over HTTP to see them.
    const res = await fetch(`${broker.url}/contracts/publish`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/hal+json" },
      body: JSON.stringify({
        pacticipantName: "shop-ui",
        pacticipantVersionNumber: "1.0.0",
        branch: "main",
        tags: ["prod"],
        buildUrl: "https://ci.example/1",
        contracts: [
          {
            consumerName: "shop-ui",
            providerName: "products",
            specification: "pact",
            contentType: "application/json",
            content: (await import("node:fs")).readFileSync(file).toString("base64"),
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    for (const { rel, link } of linksIn(await res.json()))
      seeds.push({ url: link.href, from: `POST /contracts/publish ${rel}` });

    const verified = await verifyFromBroker({
      brokerUrl: broker.url,
      provider: "products",
      providerBaseUrl: provider.url,
      providerVersion: "2.0.0",
      providerVersionBranch: "main",
      consumerVersionSelectors: [{ mainBranch: true }],
    });
    expect(verified.passed, String(verified.error)).toBe(true);

    // The pacts-for-verification answer (its pact links carry metadata).
    const pfv = await fetch(`${broker.url}/pacts/provider/products/for-verification`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/hal+json" },
      body: JSON.stringify({ consumerVersionSelectors: [{ mainBranch: true }], includePendingStatus: true }),
    });
    expect(pfv.status).toBe(200);
    for (const { rel, link } of linksIn(await pfv.json()))
      seeds.push({ url: link.href, from: `POST for-verification ${rel}` });

    for (const [name, version] of [
      ["products", "2.0.0"],
      ["shop-ui", "1.0.0"],
    ] as const) {
      const r = await pactBroker([
        "record-deployment",
        ...b,
        "--pacticipant",
        name,
        "--version",
        version,
        "--environment",
        "production",
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    await pactBroker([
      "create-version-tag",
      ...b,
      "--pacticipant",
      "products",
      "--version",
      "2.0.0",
      "--tag",
      "prod",
    ]);
  });

  afterAll(async () => {
    await provider?.[Symbol.asyncDispose]();
    await broker?.stop();
  });

  it("crawls from the index through the published, verified, deployed pact without a 404", async () => {
    const fill = (href: string, rel: string): string | undefined => {
      const about = /\/pacticipants\/([^/{?]+)/.exec(href)?.[1];
      const own: Record<string, string> = about ? { version: versionOf[decodeURIComponent(about)]! } : {};
      const table: Record<string, string> = { ...values, ...own, rel };
      const filled = href.replace(/\{(\w+)\}/g, (_, name: string) =>
        table[name] !== undefined ? encodeURIComponent(table[name]) : `{${name}}`,
      );
      return /\{\w+\}/.test(filled) ? undefined : filled;
    };
    const queue: Visit[] = [{ url: broker.url, from: "(start)" }, ...seeds];
    const seen = new Set<string>();
    const broken: string[] = [];
    const relations = new Set<string>();
    const curies: string[] = [];
    const answered = new Map<number, number>();

    for (let next = queue.shift(); next; next = queue.shift()) {
      if (seen.has(next.url)) continue;
      seen.add(next.url);
      expect(seen.size, "the crawl does not end").toBeLessThan(2000);
      expect(next.url.startsWith(broker.url), `${next.from} points outside the broker: ${next.url}`).toBe(
        true,
      );
      const res = await fetch(next.url, { headers: { Accept: "application/hal+json" } });
      answered.set(res.status, (answered.get(res.status) ?? 0) + 1);
      // A link must lead to a resource: 404 (nothing there) and server errors are broken links.
      // 405 is a resource that takes only POST or PUT (pb:publish-contracts); 400 one that needs
      // a query (the matrix without selectors, as the Pact Broker answers it).
      if (res.status === 404 || res.status >= 500) {
        broken.push(`${res.status} ${next.url}  (advertised by ${next.from})`);
        continue;
      }
      if (!res.ok || !(res.headers.get("content-type") ?? "").includes("json")) continue;
      const body = (await res.json()) as unknown;
      for (const { rel, link } of linksIn(body)) {
        if (rel === "curies") {
          curies.push(link.href);
          continue;
        }
        if (rel.startsWith("pb:")) relations.add(rel.slice(3));
        const url = link.templated || /\{\w+\}/.test(link.href) ? fill(link.href, rel) : link.href;
        if (url === undefined) {
          broken.push(
            `unfillable template ${link.href}  (${rel} in ${next.url}): give it a value in this test`,
          );
          continue;
        }
        queue.push({ url, from: `${rel} in ${next.url}` });
      }
    }
    // The curies' documentation, for every pb: relation met on the way.
    expect(curies.length).toBeGreaterThan(0);
    for (const curie of new Set(curies))
      for (const rel of relations) {
        const url = fill(curie, rel)!;
        const res = await fetch(url);
        if (res.status !== 200) broken.push(`${res.status} ${url}  (curie for pb:${rel})`);
        else expect(res.headers.get("content-type")).toMatch(/text\/html/);
      }

    console.log(
      `[broker link crawl] ${seen.size} URLs, ${relations.size} pb: relations; statuses ${JSON.stringify(Object.fromEntries(answered))}`,
    );
    expect(broken).toEqual([]);
    // The crawl did reach the pact, its verification and the deployment.
    const reached = [...seen].join("\n");
    expect(reached).toMatch(/\/pact-version\/[0-9a-f]+\/verification-results\/1$/m);
    expect(reached).toMatch(/\/pact-version\/[0-9a-f]+\/verification-results\/latest$/m);
    expect(reached).toMatch(/\/deployed-versions\/[0-9a-f-]{36}$/m);
    expect(relations).toContain("provider-pacts");
    expect(relations).toContain("latest-verification-results-where-pacticipant-is-consumer");
  });
});
