/**
 * The Pact CI flow end to end, on the official pact CLI and the real FFI verifier: a pact
 * published with content the provider's main branch has not verified fires
 * contract_requiring_verification_published; the provider's "CI" (a receiver fixture) runs
 * `faultline contracts verify --provider P` for that pact and publishes the result as the provider
 * version the webhook names; provider_verification_* webhooks report it; can-i-deploy answers
 * from it. Content the provider already verified fires nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import { pollUntil } from "../../src/poll.ts";
import { usePostgres } from "../support/broker-postgres.ts";
import {
  pactBroker,
  productInteraction,
  publishWithCli,
  startProductProvider,
  tempDir,
  writePact,
  type StartedProvider,
} from "../support/broker-test-kit.ts";
import { CI_WEBHOOK_BODY, startCiReceiver, type CiReceiver } from "../support/ci-receiver.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.ts";

const pacts = tempDir("broker-ci-flow-pacts");
let broker: StartedBrokerServer;
let provider: StartedProvider;
let ci: CiReceiver;
let notify: WebhookReceiver;

const pgs = usePostgres();
let databases = 0;
const b = () => ["--broker-base-url", broker.url];
async function cli(args: string[]) {
  const r = await pactBroker([...args, ...b()]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r;
}
async function buildsDone(n: number) {
  const r = await pollUntil(
    () => ci.builds.length,
    (count) => count >= n && ci.running === 0,
    { timeoutMs: 90_000, intervalMs: 100 },
  );
  expect(r.done, `${ci.builds.length} builds, ${ci.running} running`).toBe(true);
  return ci.builds;
}
const canIDeploy = (consumerVersion: string) =>
  pactBroker([
    "can-i-deploy",
    "--pacticipant",
    "ci-web",
    "--version",
    consumerVersion,
    "--pacticipant",
    "ci-api",
    "--version",
    "p1",
    ...b(),
  ]);

describe.each(["sqlite", "postgres"] as const)(
  "the Pact CI flow through webhooks (%s)",
  { timeout: 180_000 },
  (store) => {
    beforeAll(async () => {
      broker = await startBrokerServer({
        ...(store === "postgres" ? { databaseUrl: await pgs.database(`ci_flow_${++databases}`) } : {}),
        dataDir: tempDir("broker-ci-flow"),
        webhooks: { whitelist: { schemes: ["http"], hosts: ["127.0.0.1"] }, retryScheduleMs: [100] },
      });
      provider = await startProductProvider();
      ci = await startCiReceiver({ brokerUrl: broker.url, providerBaseUrl: provider.url });
      notify = await startWebhookReceiver();
    });
    afterAll(async () => {
      await ci?.[Symbol.asyncDispose]();
      await notify?.[Symbol.asyncDispose]();
      await provider?.[Symbol.asyncDispose]();
      await broker?.stop();
    });

    let requiring: string;

    it("sets up the provider's main branch and its webhooks with the pact CLI", async () => {
      await cli(["create-or-update-pacticipant", "--name", "ci-api", "--main-branch", "main"]);
      await cli([
        "create-or-update-version",
        "--pacticipant",
        "ci-api",
        "--version",
        "p1",
        "--branch",
        "main",
      ]);
      const hook = await cli([
        "create-webhook",
        ci.url,
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        CI_WEBHOOK_BODY,
        "--provider",
        "ci-api",
        "--contract-requiring-verification-published",
        "--description",
        "verify changed pacts",
      ]);
      requiring = (JSON.parse(hook.stdout) as { uuid: string }).uuid;
      await cli([
        "create-webhook",
        `${notify.url}/status/\${pactbroker.githubVerificationStatus}`,
        "-X",
        "POST",
        "-d",
        JSON.stringify({
          url: "${pactbroker.verificationResultUrl}",
          pv: "${pactbroker.providerVersionNumber}",
        }),
        "--provider",
        "ci-api",
        "--provider-verification-published",
      ]);
      await cli([
        `create-webhook`,
        `${notify.url}/failed`,
        "-X",
        "POST",
        "--provider",
        "ci-api",
        "--provider-verification-failed",
      ]);
    });

    it("verifies a new pact when it is published, and can-i-deploy says yes from the result", async () => {
      expect((await canIDeploy("c1")).code).not.toBe(0); // nothing published yet
      await publishWithCli(
        broker.url,
        writePact(pacts, "ci-web", "ci-api", [productInteraction("SKU-1", { state: false })]),
        "c1",
        "main",
      );
      const [build] = await buildsDone(1);
      expect(build!.request).toMatchObject({
        consumer: "ci-web",
        consumerVersion: "c1",
        consumerBranch: "main",
        provider: "ci-api",
        providerVersion: "p1",
        providerBranch: "main",
      });
      expect(build!.code, build!.output).toBe(0);
      expect(build!.report?.passed, build!.output).toBe(true);
      expect(build!.report?.interactions.map((i) => i.description)).toEqual(build!.pactInteractions);
      // The verifier verified the very pact content the webhook named.
      const sha = /\/pact-version\/([0-9a-f]+)/.exec(build!.request.pactUrl!)![1]!;
      expect(build!.report?.notices.join("\n")).toContain(`/pact-version/${sha}/`);

      const yes = await canIDeploy("c1");
      expect(yes.code, yes.stdout + yes.stderr).toBe(0);
      expect(yes.stdout).toMatch(/Computer says yes/);

      const status = await pollUntil(
        () => notify.to("/status/success"),
        (xs) => xs.length === 1,
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(status.done).toBe(true);
      const sent = JSON.parse(status.value[0]!.body) as { url: string; pv: string };
      expect(sent.pv).toBe("p1");
      expect((await fetch(sent.url)).status).toBe(200);
    });

    it("fires nothing for content p1 already verified, and a failing build for changed content", async () => {
      await publishWithCli(
        broker.url,
        writePact(pacts, "ci-web", "ci-api", [productInteraction("SKU-1", { state: false })]),
        "c2",
        "main",
      );
      provider.breaking = true;
      try {
        await publishWithCli(
          broker.url,
          writePact(pacts, "ci-web", "ci-api", [productInteraction("SKU-2", { state: false })]),
          "c3",
          "main",
        );
        const builds = await buildsDone(2);
        // Executions are recorded while the publish is answered: c2 made none.
        const executions = (await (await fetch(`${broker.url}/webhooks/${requiring}/executions`)).json()) as {
          _embedded: { triggeredWebhooks: { consumerVersionNumber: string }[] };
        };
        expect(executions._embedded.triggeredWebhooks.map((e) => e.consumerVersionNumber)).toEqual([
          "c3",
          "c1",
        ]);
        expect(builds).toHaveLength(2);
        expect(builds[1]!.request.consumerVersion).toBe("c3");
        expect(builds[1]!.code).not.toBe(0);
        expect(builds[1]!.output).toContain("Verification of ci-api failed: 1 interaction(s) did not match");
      } finally {
        provider.breaking = false;
      }
      const no = await canIDeploy("c3");
      expect(no.code).not.toBe(0);
      expect(no.stdout).toMatch(/Computer says no/);
      expect((await canIDeploy("c2")).code).toBe(0); // the same content as c1: its result counts
      const failed = await pollUntil(
        () => notify.to("/failed").length + notify.to("/status/failure").length,
        (n) => n === 2,
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(failed.done).toBe(true);
    });
  },
);
