/**
 * Webhooks driven by the official pact CLI (create-webhook, create-or-update-webhook,
 * test-webhook, delete-webhook) against the local broker: which events fire when (as the Pact
 * Broker documents them), template parameters in URL, headers and body, executions with status
 * and logs, retries with backoff, secrets never shown back, the whitelist, and a hanging target
 * that does not hold up publishing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import { pollUntil } from "../../src/poll.ts";
import { usePostgres } from "../support/broker-postgres.ts";
import {
  pactBroker,
  productInteraction,
  publishWithCli,
  tempDir,
  writePact,
} from "../support/broker-test-kit.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const SECRET = "s3cret-token-value";
const pacts = tempDir("broker-webhooks-pacts");
let broker: StartedBrokerServer;
let receiver: WebhookReceiver;

const pgs = usePostgres();
let databases = 0;
const b = () => ["--broker-base-url", broker.url];
const json = async <T>(path: string): Promise<T> => (await (await fetch(`${broker.url}${path}`)).json()) as T;

interface Triggered {
  uuid: string;
  status: string;
  attemptsMade: number;
  eventName: string;
  consumerVersionNumber: string;
  _links: { "pb:logs": { href: string } };
}
const executions = async (uuid: string) =>
  (await json<{ _embedded: { triggeredWebhooks: Triggered[] } }>(`/webhooks/${uuid}/executions`))._embedded
    .triggeredWebhooks;
/** Waits until the webhook has `n` executions, all finished (success or failure). */
async function finished(uuid: string, n: number): Promise<Triggered[]> {
  const r = await pollUntil(
    () => executions(uuid),
    (xs) => xs.length >= n && xs.every((x) => x.status === "success" || x.status === "failure"),
    { timeoutMs: 15_000, intervalMs: 50 },
  );
  expect(r.done, JSON.stringify(r.value)).toBe(true);
  return r.value;
}
const logsOf = async (t: Triggered) => (await fetch(t._links["pb:logs"].href)).text();

async function createWebhook(args: string[]): Promise<string> {
  const r = await pactBroker(["create-webhook", ...args, ...b()]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { uuid: string }).uuid;
}

async function publish(consumer: string, provider: string, version: string, sku: string, branch = "main") {
  await publishWithCli(
    broker.url,
    writePact(pacts, consumer, provider, [productInteraction(sku)]),
    version,
    branch,
  );
}

describe.each(["sqlite", "postgres"] as const)(
  "webhooks by the pact CLI (%s)",
  { timeout: 120_000 },
  (store) => {
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      broker = await startBrokerServer({
        ...(store === "postgres" ? { databaseUrl: await pgs.database(`webhooks_${++databases}`) } : {}),
        dataDir: tempDir("broker-webhooks"),
        webhooks: {
          whitelist: { schemes: ["http"], methods: ["POST", "PUT"], hosts: ["127.0.0.1"] },
          timeoutMs: 1_000,
          retryScheduleMs: [50, 100],
        },
      });
    });
    afterAll(async () => {
      await broker?.stop();
      await receiver?.[Symbol.asyncDispose]();
    });

    let changed: string;
    let published: string;
    let other: string;

    it("creates webhooks, shows them without their secrets, and tests one", async () => {
      changed = await createWebhook([
        `${receiver.url}/changed/\${pactbroker.consumerName}?v=\${pactbroker.consumerVersionNumber}`,
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        `Authorization: Bearer ${SECRET}`,
        "-d",
        JSON.stringify({
          pact: "${pactbroker.pactUrl}",
          provider: "${pactbroker.providerName}",
          branch: "${pactbroker.consumerVersionBranch}",
          event: "${pactbroker.eventName}",
        }),
        "--user",
        "hookuser:hookpassword",
        "--provider",
        "wh-api",
        "--contract-content-changed",
        "--description",
        "content changed",
      ]);
      const upsert = await pactBroker([
        "create-or-update-webhook",
        `${receiver.url}/published`,
        "--uuid",
        "wh-published-0001",
        "-X",
        "POST",
        "--contract-published",
        "--provider",
        "wh-api",
        ...b(),
      ]);
      expect(upsert.code, upsert.stdout + upsert.stderr).toBe(0);
      published = "wh-published-0001";
      other = await createWebhook([
        `${receiver.url}/other`,
        "-X",
        "POST",
        "--consumer",
        "someone-else",
        "--contract-published",
      ]);

      const listing = await (await fetch(`${broker.url}/webhooks`)).text();
      expect(listing).toContain("content changed");
      expect(listing).not.toContain(SECRET);
      expect(listing).not.toContain("hookpassword");
      const one = await json<{ request: { headers: Record<string, string>; password: string } }>(
        `/webhooks/${changed}`,
      );
      expect(one.request.headers.Authorization).toBe("**********");
      expect(one.request.password).toBe("**********");

      const before = receiver.to("/published").length;
      const tested = await pactBroker(["test-webhook", "--uuid", published, ...b()]);
      expect(tested.code, tested.stdout + tested.stderr).toBe(0);
      expect(tested.stdout).toContain('"success":true');
      expect(receiver.to("/published").length).toBe(before + 1);
    });

    it("fires contract_content_changed only when the content differs on the branch, or there was none", async () => {
      await publish("wh-web", "wh-api", "1.0.0", "SKU-1");
      let [first] = await finished(changed, 1);
      expect(first!.status).toBe("success");
      const got = receiver.to("/changed/wh-web")[0]!;
      expect(got.query.get("v")).toBe("1.0.0");
      // Basic auth from --user replaces the Authorization header given with -H, as the Pact Broker does.
      expect(got.headers.authorization).toBe(
        `Basic ${Buffer.from("hookuser:hookpassword").toString("base64")}`,
      );
      const body = JSON.parse(got.body) as Record<string, string>;
      expect(body).toEqual({
        pact: expect.stringMatching(/\/pacts\/provider\/wh-api\/consumer\/wh-web\/pact-version\/[0-9a-f]+$/),
        provider: "wh-api",
        branch: "main",
        event: "contract_content_changed",
      });
      const pact = await fetch(body.pact!);
      expect(pact.status).toBe(200);
      const log = await logsOf(first!);
      expect(log).toContain("-> HTTP 200");
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain("hookpassword");

      // Same content, same branch: contract_published fires, contract_content_changed does not.
      await publish("wh-web", "wh-api", "1.0.1", "SKU-1");
      await finished(published, 2); // a test run is not an execution
      expect(await executions(changed)).toHaveLength(1);
      // Changed content on the branch: it fires.
      await publish("wh-web", "wh-api", "1.0.2", "SKU-2");
      [first] = await finished(changed, 2);
      expect(first!.consumerVersionNumber).toBe("1.0.2");
      // The first content again, on a new branch (no pact there yet): it fires.
      await publish("wh-web", "wh-api", "1.0.3", "SKU-1", "feat-x");
      await finished(changed, 3);
      await finished(published, 4);
      expect(await executions(changed)).toHaveLength(3);
      // The consumer filter: a webhook for another consumer never ran.
      expect(await executions(other)).toHaveLength(0);
    });

    it("retries a refusing target with backoff until it answers", async () => {
      const flaky = await createWebhook([
        `${receiver.url}/flaky/2`,
        "-X",
        "POST",
        "--contract-published",
        "--provider",
        "wh-flaky",
      ]);
      await publish("wh-web", "wh-flaky", "2.0.0", "SKU-1");
      const [x] = await finished(flaky, 1);
      expect(x!.status).toBe("success");
      expect(x!.attemptsMade).toBe(3);
      const log = await logsOf(x!);
      expect(log.match(/-> HTTP 500/g)).toHaveLength(2);
      expect(log).toContain("retrying in 50 ms");
      expect(log).toContain("retrying in 100 ms");
    });

    it("answers a publish before a hanging target's execution ends", async () => {
      const hang = await createWebhook([
        `${receiver.url}/hang`,
        "-X",
        "POST",
        "--contract-published",
        "--provider",
        "wh-slow",
      ]);
      await publish("wh-web", "wh-slow", "3.0.0", "SKU-1");
      // The publish came back while the first attempt (1 s deadline) was still waiting.
      const [running] = await executions(hang);
      expect(running!.status).not.toBe("failure");
      const [x] = await finished(hang, 1);
      expect(x!.status).toBe("failure");
      expect(x!.attemptsMade).toBe(3);
      expect(await logsOf(x!)).toContain("no response within 1000 ms");
    });

    it("refuses a webhook outside the whitelist, naming the setting", async () => {
      const host = await pactBroker([
        "create-webhook",
        "http://10.1.2.3/x",
        "-X",
        "POST",
        "--contract-published",
        ...b(),
      ]);
      expect(host.code).not.toBe(0);
      expect(host.stdout + host.stderr).toContain("PACT_BROKER_WEBHOOK_HOST_WHITELIST");
      const scheme = await pactBroker([
        "create-webhook",
        "file:///etc/passwd",
        "-X",
        "POST",
        "--contract-published",
        ...b(),
      ]);
      expect(scheme.code).not.toBe(0);
      expect(scheme.stdout + scheme.stderr).toContain("PACT_BROKER_WEBHOOK_SCHEME_WHITELIST");
      const method = await pactBroker([
        "create-webhook",
        `${receiver.url}/x`,
        "-X",
        "GET",
        "--contract-published",
        ...b(),
      ]);
      expect(method.code).not.toBe(0);
      expect(method.stdout + method.stderr).toContain("PACT_BROKER_WEBHOOK_HTTP_METHOD_WHITELIST");
    });

    it("deletes a webhook", async () => {
      const r = await pactBroker(["delete-webhook", "--uuid", other, ...b()]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect((await fetch(`${broker.url}/webhooks/${other}`)).status).toBe(404);
    });
  },
);
