/**
 * Where the broker must behave as the Pact Broker because clients rely on it: a pacticipant's
 * main branch is auto-detected (develop, main, master; configurable), and changed pact content
 * under an existing consumer version is refused with 409 unless dangerous modification is
 * allowed. Checked with the official pact CLI, the FFI verifier and plain HTTP.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";
import { envFlag } from "../../src/cli/broker.ts";
import {
  startBrokerServer,
  type BrokerServerOptions,
  type StartedBrokerServer,
} from "../../src/broker/index.ts";
import {
  pactBroker,
  productInteraction,
  spawnBroker,
  startProductProvider,
  tempDir,
  verifyFromBroker,
  writePact,
  type ChildBroker,
  type Interaction,
  type StartedProvider,
} from "../support/broker-test-kit.ts";

const sku1 = productInteraction("SKU-1", { state: false });
const sku2 = productInteraction("SKU-2", { state: false, body: sku1.body });

const started: StartedBrokerServer[] = [];
async function broker(options: Partial<BrokerServerOptions> = {}): Promise<StartedBrokerServer> {
  const b = await startBrokerServer({ dataDir: tempDir("broker-behaviour"), ...options });
  started.push(b);
  return b;
}
afterAll(async () => {
  await Promise.all(started.map((b) => b.stop()));
});

async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { headers: { Accept: "application/hal+json" } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Publishes a pact with the official CLI; returns its exit code and output. */
async function publish(
  b: Pick<StartedBrokerServer, "url">,
  consumer: string,
  interactions: Interaction[],
  version: string,
  branch?: string,
) {
  const file = writePact(tempDir("broker-behaviour-pacts"), consumer, "products", interactions);
  const r = await pactBroker([
    "publish",
    file,
    "--broker-base-url",
    b.url,
    "--consumer-app-version",
    version,
    ...(branch ? ["--branch", branch] : []),
  ]);
  return { ...r, out: r.stdout + r.stderr };
}

const mainBranchOf = async (b: Pick<StartedBrokerServer, "url">, name: string) =>
  (await getJson(`${b.url}/pacticipants/${encodeURIComponent(name)}`)).json.mainBranch;

describe("main branch auto-detection", { timeout: 120_000 }, () => {
  let provider: StartedProvider;
  beforeAll(async () => {
    provider = await startProductProvider();
  });
  afterAll(async () => provider?.[Symbol.asyncDispose]());

  it("a consumer that publishes on main gets main as its main branch: mainBranch selectors and can-i-deploy --main-branch find it", async () => {
    const b = await broker();
    const pub = await publish(b, "web", [sku1], "w1", "main");
    expect(pub.code, pub.out).toBe(0);
    expect(await mainBranchOf(b, "web")).toBe("main");

    const outcome = await verifyFromBroker({
      brokerUrl: b.url,
      provider: "products",
      providerBaseUrl: provider.url,
      providerVersion: "p1",
      providerVersionBranch: "main",
      consumerVersionSelectors: [{ mainBranch: true }],
    });
    expect(outcome.passed, String(outcome.error)).toBe(true);
    expect(outcome.result?.interactionResults.map((i) => i.description)).toEqual([sku1.description]);
    // The provider published on main too, so it has a main branch of its own.
    expect(await mainBranchOf(b, "products")).toBe("main");

    const matrix = await getJson(
      `${b.url}/matrix?q[][pacticipant]=web&q[][version]=w1&latestby=cvpv&mainBranch=true`,
    );
    expect(matrix.status).toBe(200);
    const summary = matrix.json.summary as { deployable: boolean; reason: string };
    expect(summary.reason).not.toMatch(/\(none\)/);
    expect(summary.deployable).toBe(true);

    const cli = await pactBroker([
      "can-i-deploy",
      "--broker-base-url",
      b.url,
      "--pacticipant",
      "web",
      "--version",
      "w1",
      "--pacticipant",
      "products",
      "--main-branch",
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain("Computer says yes");
  });

  it("only a candidate branch becomes the main branch, and the first one stays", async () => {
    const b = await broker();
    expect((await publish(b, "app", [sku1], "a1", "feat/x")).code).toBe(0);
    expect(await mainBranchOf(b, "app")).toBeNull();
    expect((await publish(b, "app", [sku1], "a2", "develop")).code).toBe(0);
    expect(await mainBranchOf(b, "app")).toBe("develop");
    expect((await publish(b, "app", [sku1], "a3", "master")).code).toBe(0);
    expect(await mainBranchOf(b, "app")).toBe("develop");
  });

  it("a main branch set by the user is never replaced", async () => {
    const b = await broker();
    const created = await pactBroker([
      "create-or-update-pacticipant",
      "--broker-base-url",
      b.url,
      "--name",
      "svc",
      "--main-branch",
      "trunk",
    ]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect((await publish(b, "svc", [sku1], "s1", "main")).code).toBe(0);
    expect(await mainBranchOf(b, "svc")).toBe("trunk");
  });

  it("is configurable: other candidates, or off", async () => {
    const trunk = await broker({ mainBranchCandidates: ["trunk"] });
    expect((await publish(trunk, "app", [sku1], "t1", "main")).code).toBe(0);
    expect(await mainBranchOf(trunk, "app")).toBeNull();
    expect((await publish(trunk, "app", [sku1], "t2", "trunk")).code).toBe(0);
    expect(await mainBranchOf(trunk, "app")).toBe("trunk");

    const off = await broker({ autoDetectMainBranch: false });
    expect((await publish(off, "app", [sku1], "o1", "main")).code).toBe(0);
    expect(await mainBranchOf(off, "app")).toBeNull();
  });
});

describe("changed pact content under an existing consumer version", { timeout: 120_000 }, () => {
  it("is refused with 409 by default; the CLI prints why, and nothing of it is stored", async () => {
    const b = await broker();
    expect((await publish(b, "web", [sku1], "v1", "main")).code).toBe(0);
    const changed = await publish(b, "web", [sku1, sku2], "v1", "feat/y");
    expect(changed.code).not.toBe(0);
    expect(changed.out).toMatch(
      /Cannot change the content of the pact for web version v1 and provider products/,
    );
    // The stored pact is the first one; the refused publication added no branch to the version.
    const pact = await getJson(`${b.url}/pacts/provider/products/consumer/web/version/v1`);
    expect((pact.json.interactions as unknown[]).length).toBe(1);
    const version = await getJson(`${b.url}/pacticipants/web/versions/v1`);
    expect(
      ((version.json._embedded as { branchVersions: { name: string }[] }).branchVersions ?? []).map(
        (x) => x.name,
      ),
    ).toEqual(["main"]);
  });

  it("answers 409 with notices and errors.contracts over HTTP, and on the legacy PUT", async () => {
    const b = await broker();
    const body = (interactions: Interaction[]) => ({
      pacticipantName: "web",
      pacticipantVersionNumber: "v1",
      contracts: [
        {
          consumerName: "web",
          providerName: "products",
          specification: "pact",
          contentType: "application/json",
          content: Buffer.from(
            JSON.stringify({
              consumer: { name: "web" },
              provider: { name: "products" },
              interactions: interactions.map((i) => ({ description: i.description })),
            }),
          ).toString("base64"),
        },
      ],
    });
    const post = (b2: unknown) =>
      fetch(`${b.url}/contracts/publish`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(b2),
      });
    expect((await post(body([sku1]))).status).toBe(200);
    const same = await post(body([sku1]));
    expect(same.status).toBe(200);
    const refused = await post(body([sku1, sku2]));
    expect(refused.status).toBe(409);
    const json = (await refused.json()) as {
      notices: { type: string; text: string }[];
      errors: { contracts: string[] };
    };
    expect(json.errors.contracts).toHaveLength(1);
    expect(json.notices[0]).toMatchObject({ type: "error", text: expect.stringContaining("Cannot change") });

    const put = await fetch(`${b.url}/pacts/provider/products/consumer/web/version/v1`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        consumer: { name: "web" },
        provider: { name: "products" },
        interactions: [{ description: "something else" }],
      }),
    });
    expect(put.status).toBe(409);
  });

  it("is accepted with a warning when dangerous modification is allowed", async () => {
    const b = await broker({ allowDangerousContractModification: true });
    expect((await publish(b, "web", [sku1], "v1", "main")).code).toBe(0);
    const changed = await publish(b, "web", [sku1, sku2], "v1", "main");
    expect(changed.code, changed.out).toBe(0);
    expect(changed.out).toMatch(/changed content/);
    const pact = await getJson(`${b.url}/pacts/provider/products/consumer/web/version/v1`);
    expect((pact.json.interactions as unknown[]).length).toBe(2);
  });
});

describe("faultline broker start: the Pact Broker's environment variables", () => {
  it("reads true/false and names the variable and the fix on anything else", () => {
    const name = "PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION";
    expect(envFlag(name, { [name]: "true" })).toBe(true);
    expect(envFlag(name, { [name]: "false" })).toBe(false);
    expect(envFlag(name, {})).toBeUndefined();
    expect(() => envFlag(name, { [name]: "sometimes" })).toThrow(
      /PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION must be true or false, got 'sometimes' \(fix:/,
    );
  });
});

describe(
  "faultline broker start: flags and PACT_BROKER_* variables reach the server",
  { timeout: 120_000 },
  () => {
    const stopped = async (b: ChildBroker) => {
      b.child.kill("SIGTERM");
      expect((await b.exited).code).toBe(0);
    };
    const publishTo = async (url: string, version: string, branch: string, interactions: Interaction[]) =>
      publish({ url }, "app", interactions, version, branch);

    it("--main-branch-candidates and --allow-dangerous-contract-modification", async () => {
      const b = await spawnBroker([
        "--port",
        "0",
        "--data-dir",
        tempDir("broker-flags"),
        "--main-branch-candidates",
        "trunk",
        "--allow-dangerous-contract-modification",
      ]);
      try {
        expect((await publishTo(b.url, "1", "main", [sku1])).code).toBe(0);
        expect((await publishTo(b.url, "2", "trunk", [sku1])).code).toBe(0);
        expect(await mainBranchOf(b, "app")).toBe("trunk");
        const changed = await publishTo(b.url, "2", "trunk", [sku1, sku2]);
        expect(changed.code, changed.out).toBe(0);
      } finally {
        await stopped(b);
      }
    });

    it("PACT_BROKER_AUTO_DETECT_MAIN_BRANCH=false; changed content refused by default", async () => {
      const b = await spawnBroker(["--port", "0", "--data-dir", tempDir("broker-env")], {
        PACT_BROKER_AUTO_DETECT_MAIN_BRANCH: "false",
      });
      try {
        expect((await publishTo(b.url, "1", "main", [sku1])).code).toBe(0);
        expect(await mainBranchOf(b, "app")).toBeNull();
        const changed = await publishTo(b.url, "1", "main", [sku1, sku2]);
        expect(changed.code).not.toBe(0);
        expect(changed.out).toMatch(/Cannot change the content of the pact/);
      } finally {
        await stopped(b);
      }
    });

    it("a bad PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION stops `faultline broker start`, naming it", async () => {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [
            path.join(projectRoot(), "bin", "faultline.mjs"),
            "broker",
            "start",
            "--port",
            "0",
            "--data-dir",
            tempDir("broker-bad-env"),
          ],
          {
            env: { ...process.env, PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION: "maybe" },
            timeout: 30_000,
          },
          (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
        ),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "faultline: PACT_BROKER_ALLOW_DANGEROUS_CONTRACT_MODIFICATION must be true or false, got 'maybe' (fix:",
      );
    });
  },
);
