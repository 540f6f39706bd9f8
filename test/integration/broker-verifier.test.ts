/**
 * The real Pact FFI verifier pulling pacts from the local broker: a V4 pact produced by a real
 * consumer test, consumer version selectors, pending pacts from a feature branch, WIP pacts.
 */
import fs from "node:fs";
import path from "node:path";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { beforeAll, describe, expect, it } from "vitest";
import {
  pactBroker,
  publishWithCli,
  productInteraction,
  tempDir,
  verifyFromBroker,
  writePact,
  type VerifierResult,
  useBrokerAndProvider,
} from "../support/broker-test-kit.ts";

const fixture = useBrokerAndProvider("broker-verifier", "in broker-verifier.test.ts");
const pacts = tempDir("broker-verifier-pacts");

const sku1 = productInteraction("SKU-1");
const sku2 = productInteraction("SKU-2");
const sku404 = productInteraction("SKU-404", { body: { sku: "SKU-404" } });

const b = fixture.brokerArgs;

const publish = (file: string, version: string, branch: string): Promise<void> =>
  publishWithCli(fixture.broker.url, file, version, branch);

/** A real PactV4 consumer test of a tiny product client; returns the pact file it wrote. */
async function consumerTestWritesPact(consumer: string, providerName: string): Promise<string> {
  const dir = tempDir("broker-v4");
  const pact = new PactV4({ consumer, provider: providerName, dir, logLevel: "error" });
  await pact
    .addInteraction()
    .given("product SKU-1 exists")
    .uponReceiving("a request for product SKU-1")
    .withRequest("GET", "/products/SKU-1")
    .willRespondWith(200, (r) =>
      r
        .headers({ "Content-Type": "application/json" })
        .jsonBody({ sku: "SKU-1", name: MatchersV3.string("Product SKU-1") }),
    )
    .executeTest(async (mock) => {
      const res = await fetch(`${mock.url}/products/SKU-1`);
      const body = (await res.json()) as { name: string };
      expect(body.name).toBe("Product SKU-1");
    });
  const file = path.join(dir, `${consumer}-${providerName}.json`);
  const written = JSON.parse(fs.readFileSync(file, "utf8")) as {
    metadata: { pactSpecification: { version: string } };
  };
  expect(written.metadata.pactSpecification.version).toBe("4.0");
  return file;
}

/** What the verifier printed (its returned `notices` only hold the last pact's). */
const printed = (result: VerifierResult | undefined): string =>
  [...(result?.output ?? []), ...(result?.notices ?? []).map((n) => n.text)].join("\n");

describe("the Pact FFI verifier against the local broker", { timeout: 120_000 }, () => {
  describe("pending pacts", () => {
    beforeAll(async () => {
      const r = await pactBroker([
        "create-or-update-pacticipant",
        ...b(),
        "--name",
        "orders-ui",
        "--main-branch",
        "main",
      ]);
      expect(r.code).toBe(0);
    });

    it("verifies the main-branch V4 pact from a real consumer test and publishes the result", async () => {
      await publish(await consumerTestWritesPact("orders-ui", "orders-api"), "1", "main");
      const from = fixture.recorder.mark();
      const outcome = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "orders-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "pv1",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }],
      });
      expect(outcome.passed, String(outcome.error)).toBe(true);
      expect(outcome.result?.interactionResults).toEqual([
        expect.objectContaining({ description: "a request for product SKU-1", result: "OK" }),
      ]);
      expect(printed(outcome.result)).toContain("latest version from branch 'main' (1)");
      expect(fixture.recorder.endpoints(from)).toEqual([
        "GET /",
        "GET /pacts/provider/:provider/for-verification",
        "POST /pacts/provider/:provider/for-verification",
        "GET /pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata",
        "GET /pacticipants/:name",
        "PUT /pacticipants/:name/branches/:branch/versions/:version",
        "POST /pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata/verification-results",
      ]);
      const matrix = (await (
        await fetch(
          `${fixture.broker.url}/matrix?q[][pacticipant]=orders-ui&q[][version]=1&latestby=cvp&latest=true`,
        )
      ).json()) as {
        summary: { deployable: boolean };
        matrix: {
          provider: { version: { number: string; branch: string } };
          verificationResult: { success: boolean };
        }[];
      };
      expect(matrix.summary.deployable).toBe(true);
      expect(matrix.matrix[0]?.provider.version).toMatchObject({ number: "pv1", branch: "main" });
    });

    it("does not fail the provider build when a feature-branch pact fails, and says it is pending", async () => {
      await publish(writePact(pacts, "orders-ui", "orders-api", [sku1, sku404]), "2", "feat-x");
      const outcome = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "orders-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "pv2",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }, { branch: "feat-x" }],
      });
      expect(outcome.passed, String(outcome.error)).toBe(true);
      const notices = printed(outcome.result);
      expect(notices).toContain(
        "This pact is in pending state for this version of orders-api because a successful verification result for a version of orders-api from branch 'main' has not yet been published. If this verification fails, it will not cause the overall build to fail.",
      );
      expect(notices).toContain(
        "This pact has previously been successfully verified by a version of orders-api from branch 'main'. If this verification fails, it will fail the build.",
      );
      expect(notices).toContain("latest version from branch 'feat-x' (2)");
      expect(outcome.result?.pendingErrors.length).toBeGreaterThan(0);
      expect(outcome.result?.interactionResults).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ description: "a request for product SKU-404", result: "Error" }),
        ]),
      );
      // The failure was published for the feature-branch content.
      const matrix = (await (
        await fetch(
          `${fixture.broker.url}/matrix?q[][pacticipant]=orders-ui&q[][version]=2&q[][pacticipant]=orders-api&q[][version]=pv2&latestby=cvpv`,
        )
      ).json()) as {
        summary: { deployable: boolean; reason: string };
      };
      expect(matrix.summary.deployable).toBe(false);
      expect(matrix.summary.reason).toContain(
        "The verification for the pact between version 2 of orders-ui and version pv2 of orders-api failed",
      );
    });

    it("fails the provider build when a pact that is no longer pending breaks", async () => {
      fixture.provider.breaking = true;
      try {
        const outcome = await verifyFromBroker({
          brokerUrl: fixture.broker.url,
          provider: "orders-api",
          providerBaseUrl: fixture.provider.url,
          providerVersion: "pv3",
          providerVersionBranch: "main",
          consumerVersionSelectors: [{ mainBranch: true }],
        });
        expect(outcome.passed).toBe(false);
      } finally {
        fixture.provider.breaking = false;
      }
    });
  });

  describe("work-in-progress pacts", () => {
    it("includes pacts from consumer branches published since the given date, and not before it", async () => {
      expect(
        (
          await pactBroker([
            "create-or-update-pacticipant",
            ...b(),
            "--name",
            "billing-ui",
            "--main-branch",
            "main",
          ])
        ).code,
      ).toBe(0);
      await publish(writePact(pacts, "billing-ui", "billing-api", [sku1]), "1", "main");
      const first = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "billing-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "bv1",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }],
      });
      expect(first.passed, String(first.error)).toBe(true);

      const since = new Date(Date.now() - 1000).toISOString();
      await publish(writePact(pacts, "billing-ui", "billing-api", [sku1, sku2]), "2", "feat-y");

      const ask = async (
        wipSince: string,
      ): Promise<
        { shortDescription: string; verificationProperties: { wip?: boolean; pending: boolean } }[]
      > => {
        const res = await fetch(`${fixture.broker.url}/pacts/provider/billing-api/for-verification`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/hal+json" },
          body: JSON.stringify({
            consumerVersionSelectors: [{ mainBranch: true }],
            includePendingStatus: true,
            includeWipPactsSince: wipSince,
            providerVersionBranch: "main",
          }),
        });
        expect(res.status).toBe(200);
        return (
          (await res.json()) as {
            _embedded: {
              pacts: {
                shortDescription: string;
                verificationProperties: { wip?: boolean; pending: boolean };
              }[];
            };
          }
        )._embedded.pacts;
      };
      const future = await ask(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
      expect(future.map((x) => x.shortDescription)).toEqual(["latest from branch main"]);
      const included = await ask(since);
      expect(
        included.map((x) => [
          x.shortDescription,
          x.verificationProperties.wip ?? false,
          x.verificationProperties.pending,
        ]),
      ).toEqual([
        ["latest from branch main", false, false],
        ["latest from branch feat-y", true, true],
      ]);

      const outcome = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "billing-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "bv2",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }],
        includeWipPactsSince: since,
      });
      expect(outcome.passed, String(outcome.error)).toBe(true);
      expect(printed(outcome.result)).toContain(
        "is being verified because it is a 'work in progress' pact (ie. it is the pact for the latest version of billing-ui from branch 'feat-y' and is still in pending state).",
      );
      expect(outcome.result?.interactionResults.map((r) => r.description)).toContain(
        "a request for product SKU-2",
      );
    });
  });
});
