/**
 * The official pact CLI (`pact broker ...`) against the local broker: publish, pacticipants,
 * environments, deployments, releases, tags, and can-i-deploy saying yes and no.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  pactBroker,
  productInteraction,
  tempDir,
  verifyFromBroker,
  writePact,
  useBrokerAndProvider,
} from "../support/broker-test-kit.ts";

const fixture = useBrokerAndProvider("broker-cli", "by the pact CLI and verifier in broker-cli.test.ts");
const pacts = tempDir("broker-cli-pacts");

const sku1 = productInteraction("SKU-1");
const sku2 = productInteraction("SKU-2");
const missing = productInteraction("SKU-404", { body: { sku: "SKU-404" } });

const b = fixture.brokerArgs;

/** A command line's words, as typed. */
const args = (line: string) => line.split(" ");

describe("pact broker CLI against the local broker", { timeout: 120_000 }, () => {
  it("publishes a pact with version, branch and tags", async () => {
    const file = writePact(pacts, "cli-web", "cli-api", [sku1]);
    const from = fixture.recorder.mark();
    const r = await pactBroker([
      "publish",
      file,
      ...b(),
      ...args("--consumer-app-version 1.0.0 --branch main --tag"),
      "dev, rc",
      "--build-url",
      "http://ci/1",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Created cli-web version 1.0.0 with branch main and tags dev, rc");
    expect(r.stdout).toContain("Pact successfully published for cli-web version 1.0.0 and provider cli-api.");
    expect(fixture.recorder.endpoints(from)).toEqual(["GET /", "POST /contracts/publish"]);

    const described = await pactBroker([
      "describe-version",
      ...b(),
      ...args("--pacticipant cli-web --version 1.0.0"),
    ]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/1\.0\.0\s+┆\s+dev, rc/);

    const pact = (await (
      await fetch(`${fixture.broker.url}/pacts/provider/cli-api/consumer/cli-web/version/1.0.0`)
    ).json()) as {
      interactions: { description: string }[];
    };
    expect(pact.interactions.map((i) => i.description)).toEqual([sku1.description]);

    const latest = await pactBroker(["list-latest-pact-versions", ...b()]);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/"cli-web"\s+┆\s+"1\.0\.0"\s+┆\s+"cli-api"/);
  });

  it("creates and updates a pacticipant with its main branch", async () => {
    const created = await pactBroker([
      "create-or-update-pacticipant",
      ...b(),
      ...args("--name cli-mobile --main-branch trunk"),
    ]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const updated = await pactBroker([
      "create-or-update-pacticipant",
      ...b(),
      ...args("--name cli-mobile --main-branch main --repository-url https://git.example/cli-mobile"),
    ]);
    expect(updated.code).toBe(0);
    const described = await pactBroker(["describe-pacticipant", ...b(), "--name", "cli-mobile"]);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain("Main Branch: main");
    expect(described.stdout).toContain("Repo URL: https://git.example/cli-mobile");
    const listed = await pactBroker(["list-pacticipants", ...b()]);
    expect(listed.stdout).toContain('"cli-mobile"');
  });

  it("creates an environment and records deployments and releases to it", async () => {
    const env = await pactBroker([
      "create-environment",
      ...b(),
      ...args("--name staging --display-name Staging"),
    ]);
    expect(env.code, env.stdout + env.stderr).toBe(0);
    expect(env.stdout).toMatch(/Created staging environment in the Pact Broker with UUID [0-9a-f-]{36}/);
    const again = await pactBroker(["create-environment", ...b(), "--name", "staging"]);
    expect(again.code).not.toBe(0);

    const deployed = await pactBroker([
      "record-deployment",
      ...b(),
      ...args("--pacticipant cli-web --version 1.0.0 --environment staging"),
    ]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain(
      "Recorded deployment of cli-web version 1.0.0 to staging environment in the Pact Broker.",
    );
    const released = await pactBroker([
      "record-release",
      ...b(),
      ...args("--pacticipant cli-web --version 1.0.0 --environment staging"),
    ]);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain(
      "Recorded release of cli-web version 1.0.0 to staging environment in the Pact Broker.",
    );
    const unknownEnv = await pactBroker([
      "record-deployment",
      ...b(),
      ...args("--pacticipant cli-web --version 1.0.0 --environment nowhere"),
    ]);
    expect(unknownEnv.code).not.toBe(0);
    expect(unknownEnv.stdout).toContain("Environment nowhere does not exist");

    const tagged = await pactBroker([
      "create-version-tag",
      ...b(),
      ...args("--pacticipant cli-web --version 1.0.0 --tag staging"),
    ]);
    expect(tagged.code).toBe(0);

    const envs = (await (await fetch(`${fixture.broker.url}/environments?name=staging`)).json()) as {
      _embedded: { environments: { uuid: string }[] };
    };
    const uuid = envs._embedded.environments[0]!.uuid;
    const current = (await (
      await fetch(`${fixture.broker.url}/environments/${uuid}/deployed-versions/currently-deployed`)
    ).json()) as {
      _embedded: { deployedVersions: { _embedded: { version: { number: string } } }[] };
    };
    expect(current._embedded.deployedVersions.map((d) => d._embedded.version.number)).toEqual(["1.0.0"]);
  });

  describe("can-i-deploy", () => {
    beforeAll(async () => {
      const created = await pactBroker([
        "create-or-update-pacticipant",
        ...b(),
        ...args("--name shop-web --main-branch main"),
      ]);
      expect(created.code).toBe(0);
      const env = await pactBroker(["create-environment", ...b(), ...args("--name production --production")]);
      expect(env.code).toBe(0);
    });

    it("says yes for a consumer version whose pact the deployed provider verified", async () => {
      const file = writePact(pacts, "shop-web", "shop-api", [sku1]);
      expect(
        (await pactBroker(["publish", file, ...b(), ...args("--consumer-app-version 1 --branch main")])).code,
      ).toBe(0);
      const from = fixture.recorder.mark();
      const verified = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "shop-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "p1",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }],
      });
      expect(verified.passed, String(verified.error)).toBe(true);
      expect(fixture.recorder.endpoints(from)).toEqual(
        expect.arrayContaining([
          "POST /pacts/provider/:provider/for-verification",
          "PUT /pacticipants/:name/branches/:branch/versions/:version",
          "POST /pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata/verification-results",
        ]),
      );
      const deployed = await pactBroker([
        "record-deployment",
        ...b(),
        ...args("--pacticipant shop-api --version p1 --environment production"),
      ]);
      expect(deployed.code).toBe(0);

      const r = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 1 --to-environment production"),
      ]);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/shop-web\s+┆\s+1\s+┆\s+shop-api\s+┆\s+p1\s+┆\s+true/);
      expect(r.stdout).toContain("All required verification results are published and successful");
      expect(r.stdout).toContain("Computer says yes");

      // The provider can be deployed where the consumer is not yet: nothing there depends on it.
      const providerSide = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-api --version p1 --to-environment production"),
      ]);
      expect(providerSide.code, providerSide.stdout).toBe(0);
    });

    it("says yes for a new consumer version with identical content (results are shared by content)", async () => {
      const file = writePact(pacts, "shop-web", "shop-api", [sku1]);
      expect(
        (await pactBroker(["publish", file, ...b(), ...args("--consumer-app-version 1.1 --branch main")]))
          .code,
      ).toBe(0);
      const r = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 1.1 --to-environment production"),
      ]);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain("Computer says yes");
    });

    it("says no (non-zero exit) for a consumer version whose pact was never verified", async () => {
      const file = writePact(pacts, "shop-web", "shop-api", [sku1, sku2]);
      expect(
        (await pactBroker(["publish", file, ...b(), ...args("--consumer-app-version 2 --branch feat-sku2")]))
          .code,
      ).toBe(0);
      const r = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 2 --to-environment production"),
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain(
        "There is no verified pact between version 2 of shop-web and the version of shop-api currently deployed to production (p1)",
      );
      expect(r.stdout).toContain("Computer says no");
    });

    it("says no (non-zero exit) for a consumer version whose verification failed", async () => {
      const file = writePact(pacts, "shop-web", "shop-api", [sku1, missing]);
      expect(
        (
          await pactBroker([
            "publish",
            file,
            ...b(),
            ...args("--consumer-app-version 3 --branch feat-missing"),
          ])
        ).code,
      ).toBe(0);
      const verified = await verifyFromBroker({
        brokerUrl: fixture.broker.url,
        provider: "shop-api",
        providerBaseUrl: fixture.provider.url,
        providerVersion: "p1",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ branch: "feat-missing" }],
      });
      // Pending (never verified from main), so the failure does not fail the provider build...
      expect(verified.passed, String(verified.error)).toBe(true);
      expect(verified.result?.pendingErrors.length).toBeGreaterThan(0);
      // ...but the failed result is published, and can-i-deploy refuses.
      const r = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 3 --to-environment production"),
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(/shop-web\s+┆\s+3\s+┆\s+shop-api\s+┆\s+p1\s+┆\s+false/);
      expect(r.stdout).toContain(
        "The verification for the pact between version 3 of shop-web and the version of shop-api currently deployed to production (p1) failed",
      );
      expect(r.stdout).toContain("Computer says no");
    });

    it("says no for a version the broker has never seen", async () => {
      const r = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 999 --to-environment production"),
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toContain("No pacts or verifications have been published for version 999 of shop-web");
    });

    it("answers the two-pacticipant matrix query the CLI sends without an environment", async () => {
      const yes = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 1 --pacticipant shop-api --version p1"),
      ]);
      expect(yes.code, yes.stdout).toBe(0);
      const no = await pactBroker([
        "can-i-deploy",
        ...b(),
        ...args("--pacticipant shop-web --version 3 --pacticipant shop-api --version p1"),
      ]);
      expect(no.code).not.toBe(0);
      expect(no.stdout).toContain(
        "The verification for the pact between version 3 of shop-web and version p1 of shop-api failed",
      );
    });
  });
});
