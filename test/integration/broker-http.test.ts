/**
 * The broker's HTTP surface: auth (bearer and basic, with the official CLI), malformed input
 * answered with 400 and its reason, and the HTML page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import { pactBroker, tempDir, writePact } from "../support/broker-test-kit.ts";

const TOKEN = "s3cret-token-for-tests";

function publishBody(
  overrides: Record<string, unknown> = {},
  contract: Record<string, unknown> = {},
): Record<string, unknown> {
  const pact = {
    consumer: { name: "http-web" },
    provider: { name: "http-api" },
    interactions: [],
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  return {
    pacticipantName: "http-web",
    pacticipantVersionNumber: "1",
    branch: "main",
    contracts: [
      {
        consumerName: "http-web",
        providerName: "http-api",
        specification: "pact",
        contentType: "application/json",
        content: Buffer.from(JSON.stringify(pact)).toString("base64"),
        ...contract,
      },
    ],
    ...overrides,
  };
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/hal+json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A command line's words, as typed. */
const args = (line: string) => line.split(" ");

describe("broker auth", { timeout: 60_000 }, () => {
  let broker: StartedBrokerServer;
  beforeAll(async () => {
    broker = await startBrokerServer({ dataDir: tempDir("broker-auth"), auth: { token: TOKEN } });
  });
  afterAll(async () => broker?.stop());

  it("refuses requests without the configured token with 401 and a reason", async () => {
    const none = await fetch(`${broker.url}/pacticipants`, { headers: { Accept: "application/hal+json" } });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await none.json()) as { error: { message: string } };
    expect(body.error.message).toContain("Authentication required");
    expect(JSON.stringify(body)).not.toContain(TOKEN);
    const wrong = await fetch(`${broker.url}/pacticipants`, { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const writeWithout = await post(`${broker.url}/contracts/publish`, publishBody());
    expect(writeWithout.status).toBe(401);
    const right = await fetch(`${broker.url}/pacticipants`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(right.status).toBe(200);
    const heartbeat = await fetch(`${broker.url}/diagnostic/status/heartbeat`);
    expect(heartbeat.status).toBe(200);
  });

  it("serves the official CLI with --broker-token and refuses it without", async () => {
    const withToken = await pactBroker([
      "create-environment",
      "--broker-base-url",
      broker.url,
      "--broker-token",
      TOKEN,
      "--name",
      "auth-env",
    ]);
    expect(withToken.code, withToken.stdout + withToken.stderr).toBe(0);
    const withoutToken = await pactBroker([
      "create-environment",
      "--broker-base-url",
      broker.url,
      "--name",
      "auth-env-2",
    ]);
    expect(withoutToken.code).not.toBe(0);
    expect(withoutToken.stdout + withoutToken.stderr).toContain("401");
    const listed = (await (
      await fetch(`${broker.url}/environments`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      _embedded: { environments: { name: string }[] };
    };
    expect(listed._embedded.environments.map((e) => e.name)).toEqual(["auth-env"]);
  });

  it("accepts basic auth from the CLI when configured with a username and password", async () => {
    await using basic = await startBrokerServer({
      dataDir: tempDir("broker-basic"),
      auth: { username: "ci", password: "pw" },
    });
    const ok = await pactBroker([
      "create-environment",
      "--broker-base-url",
      basic.url,
      ...args("--broker-username ci --broker-password pw --name basic-env"),
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const bad = await pactBroker([
      "create-environment",
      "--broker-base-url",
      basic.url,
      ...args("--broker-username ci --broker-password wrong --name basic-env-2"),
    ]);
    expect(bad.code).not.toBe(0);
  });
});

describe("malformed input", { timeout: 60_000 }, () => {
  let broker: StartedBrokerServer;
  beforeAll(async () => {
    broker = await startBrokerServer({ dataDir: tempDir("broker-400") });
  });
  afterAll(async () => broker?.stop());

  const errorsOf = (json: Record<string, unknown>): Record<string, string[]> =>
    json.errors as Record<string, string[]>;

  it("rejects a publish without pacticipantVersionNumber, naming the field", async () => {
    const body = publishBody();
    delete body.pacticipantVersionNumber;
    const r = await post(`${broker.url}/contracts/publish`, body);
    expect(r.status).toBe(400);
    expect(errorsOf(r.json).pacticipantVersionNumber).toEqual([
      "pacticipantVersionNumber is missing or not a string",
    ]);
  });

  it("rejects content that is not a base64 JSON pact", async () => {
    const notJson = await post(
      `${broker.url}/contracts/publish`,
      publishBody({}, { content: Buffer.from("not json at all").toString("base64") }),
    );
    expect(notJson.status).toBe(400);
    expect(errorsOf(notJson.json)["contracts[0].content"]?.[0]).toContain(
      "is not a base64 encoded JSON pact",
    );
    const notBase64 = await post(
      `${broker.url}/contracts/publish`,
      publishBody({}, { content: "%%%not-base64%%%" }),
    );
    expect(notBase64.status).toBe(400);
    expect(errorsOf(notBase64.json)["contracts[0].content"]).toEqual(["is not valid base64"]);
  });

  it("rejects a pact whose consumer does not match, a body that is not JSON, and nothing is stored", async () => {
    const mismatch = await post(
      `${broker.url}/contracts/publish`,
      publishBody({}, { consumerName: "someone-else" }),
    );
    expect(mismatch.status).toBe(400);
    expect(errorsOf(mismatch.json)["contracts[0].consumerName"]?.[0]).toContain(
      "must match pacticipantName 'http-web'",
    );
    const notJson = await post(`${broker.url}/contracts/publish`, "{ this is not json");
    expect(notJson.status).toBe(400);
    expect(errorsOf(notJson.json).body?.[0]).toContain("is not valid JSON");
    const pacticipants = (await (await fetch(`${broker.url}/pacticipants`)).json()) as {
      pacticipants: unknown[];
    };
    expect(pacticipants.pacticipants).toEqual([]);
  });

  it("rejects invalid consumer version selectors and environments with their reasons", async () => {
    const selectors = await post(`${broker.url}/pacts/provider/http-api/for-verification`, {
      consumerVersionSelectors: [{ mainBranch: true, tag: "x" }, { matchingBranch: true }, { bogus: 1 }],
    });
    expect(selectors.status).toBe(400);
    const errors = errorsOf(selectors.json);
    expect(errors["consumerVersionSelectors[0]"]).toEqual([
      "cannot specify more than one of mainBranch, tag",
    ]);
    expect(errors["consumerVersionSelectors[1]"]).toEqual([
      "matchingBranch can only be used when providerVersionBranch is also given",
    ]);
    expect(Object.keys(errors).some((k) => k.startsWith("consumerVersionSelectors[2]"))).toBe(true);
    const env = await post(`${broker.url}/environments`, { name: "has space", production: "yes" });
    expect(env.status).toBe(400);
    expect(errorsOf(env.json).name).toEqual(["name cannot contain spaces"]);
    expect(errorsOf(env.json).production).toEqual(["production is missing or not a boolean"]);
    const matrix = await fetch(`${broker.url}/matrix?latestby=cvp`);
    expect(matrix.status).toBe(400);
    expect(JSON.stringify(await matrix.json())).toContain("Please provide 1 or more version selectors.");
  });

  it("answers unknown resources with 404 and wrong methods with 405", async () => {
    expect((await fetch(`${broker.url}/pacticipants/nobody`)).status).toBe(404);
    expect((await fetch(`${broker.url}/no/such/thing`)).status).toBe(404);
    const wrong = await fetch(`${broker.url}/contracts/publish`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
  });
});

describe("the HTML page", { timeout: 60_000 }, () => {
  it("lists pacticipants, latest pacts with verification status, and the matrix", async () => {
    await using broker = await startBrokerServer({ dataDir: tempDir("broker-html") });
    const file = writePact(tempDir("broker-html-pacts"), "page-web", "page-api", [
      {
        description: "a request for <b>SKU-1</b>",
        path: "/products/SKU-1",
        status: 200,
        body: { sku: "SKU-1" },
      },
    ]);
    expect(
      (
        await pactBroker([
          "publish",
          file,
          "--broker-base-url",
          broker.url,
          ...args("--consumer-app-version 7 --branch main"),
        ])
      ).code,
    ).toBe(0);
    const pv = await fetch(`${broker.url}/pacts/provider/page-api/consumer/page-web/version/7`);
    const pact = (await pv.json()) as { _links: { "pb:publish-verification-results": { href: string } } };
    const published = await post(pact._links["pb:publish-verification-results"].href, {
      providerApplicationVersion: "api-3",
      success: true,
    });
    expect(published.status).toBe(201);

    const res = await fetch(`${broker.url}/`, { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("<title>faultline broker</title>");
    expect(html).toMatch(/<td><a href="[^"]+\/pacticipants\/page-web">page-web<\/a><\/td>/);
    expect(html).toContain('<span class="ok">verified</span> by api-3');
    expect(html).toMatch(/<h2>Matrix<\/h2>[\s\S]*page-web<\/td><td>7<\/td><td>page-api<\/td><td>api-3<\/td>/);
    expect(html).not.toMatch(/<script|<link /);

    const hal = await fetch(`${broker.url}/`, { headers: { Accept: "application/hal+json" } });
    expect(hal.headers.get("content-type")).toContain("application/hal+json");
    const index = (await hal.json()) as { _links: Record<string, { href: string }> };
    expect(index._links["pb:publish-contracts"]?.href).toBe(`${broker.url}/contracts/publish`);
  });
});
