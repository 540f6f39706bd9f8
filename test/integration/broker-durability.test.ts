/**
 * Durability: all data survives a restart; a kill -9 in the middle of concurrent writes loses
 * nothing that was acknowledged and leaves nothing half-written; `broker start` stops cleanly on
 * SIGTERM, closing the database.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BrokerStore } from "../../src/broker/store/store.ts";
import { startBrokerServer } from "../../src/broker/index.ts";
import {
  pactBroker,
  spawnBroker,
  startProductProvider,
  tempDir,
  verifyFromBroker,
  writePact,
} from "../support/broker-test-kit.ts";

function publishBody(version: string): Record<string, unknown> {
  const pact = {
    consumer: { name: "kill-web" },
    provider: { name: "kill-api" },
    interactions: [
      {
        description: `request of ${version}`,
        request: { method: "GET", path: `/v/${version}` },
        response: { status: 200 },
      },
    ],
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  return {
    pacticipantName: "kill-web",
    pacticipantVersionNumber: version,
    branch: "main",
    tags: [`t-${version}`],
    contracts: [
      {
        consumerName: "kill-web",
        providerName: "kill-api",
        specification: "pact",
        contentType: "application/json",
        content: Buffer.from(JSON.stringify(pact)).toString("base64"),
      },
    ],
  };
}

describe("broker durability", { timeout: 120_000 }, () => {
  it("keeps every pacticipant, pact, verification, environment and deployment across a restart", async () => {
    const dataDir = tempDir("broker-restart");
    const pacts = tempDir("broker-restart-pacts");
    const snapshot = async (url: string): Promise<string> => {
      const paths = [
        "/pacticipants",
        "/environments",
        "/pacts/latest",
        "/pacts/provider/keep-api/consumer/keep-web/version/1",
        "/pacticipants/keep-web/versions/1",
        "/matrix?q[][pacticipant]=keep-web&q[][version]=1&latestby=cvp&environment=production",
      ];
      const bodies = await Promise.all(paths.map(async (p) => (await fetch(`${url}${p}`)).text()));
      return bodies.join("\n").replaceAll(url, "<broker>");
    };

    let before: string;
    {
      await using broker = await startBrokerServer({ dataDir });
      await using provider = await startProductProvider();
      const b = ["--broker-base-url", broker.url];
      expect(
        (
          await pactBroker([
            "create-or-update-pacticipant",
            ...b,
            "--name",
            "keep-web",
            "--main-branch",
            "main",
          ])
        ).code,
      ).toBe(0);
      const file = writePact(pacts, "keep-web", "keep-api", [
        {
          description: "a request for product SKU-1",
          path: "/products/SKU-1",
          status: 200,
          body: { sku: "SKU-1", name: "Product SKU-1" },
        },
      ]);
      expect(
        (
          await pactBroker([
            "publish",
            file,
            ...b,
            "--consumer-app-version",
            "1",
            "--branch",
            "main",
            "--tag",
            "dev",
          ])
        ).code,
      ).toBe(0);
      const verified = await verifyFromBroker({
        brokerUrl: broker.url,
        provider: "keep-api",
        providerBaseUrl: provider.url,
        providerVersion: "k1",
        providerVersionBranch: "main",
        consumerVersionSelectors: [{ mainBranch: true }],
      });
      expect(verified.passed, String(verified.error)).toBe(true);
      expect(
        (await pactBroker(["create-environment", ...b, "--name", "production", "--production"])).code,
      ).toBe(0);
      expect(
        (
          await pactBroker([
            "record-deployment",
            ...b,
            "--pacticipant",
            "keep-api",
            "--version",
            "k1",
            "--environment",
            "production",
          ])
        ).code,
      ).toBe(0);
      before = await snapshot(broker.url);
      expect(before).toContain('"deployable":true');
    }

    await using restarted = await startBrokerServer({ dataDir });
    expect(await snapshot(restarted.url)).toBe(before);
    const r = await pactBroker([
      "can-i-deploy",
      "--broker-base-url",
      restarted.url,
      "--pacticipant",
      "keep-web",
      "--version",
      "1",
      "--to-environment",
      "production",
    ]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("Computer says yes");
  });

  it("loses no acknowledged publication and leaves none half-written when killed during writes", async () => {
    const dataDir = tempDir("broker-kill");
    const broker = await spawnBroker(["--port", "0", "--data-dir", dataDir]);
    const acknowledged: string[] = [];
    const attempted: string[] = [];
    let killed = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        const version = `w${w}-${i}`;
        attempted.push(version);
        try {
          const res = await fetch(`${broker.url}/contracts/publish`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(publishBody(version)),
          });
          if (res.status === 200) acknowledged.push(version);
          else throw new Error(`publish ${version} answered ${res.status}`);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const workers = [0, 1, 2, 3, 4, 5].map(worker);
    await expect.poll(() => acknowledged.length, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(60);
    broker.child.kill("SIGKILL");
    killed = true;
    await Promise.all(workers);
    expect((await broker.exited).signal).toBe("SIGKILL");
    expect(attempted.length).toBeGreaterThan(acknowledged.length);

    const store = BrokerStore.open(dataDir);
    try {
      expect(store.integrityCheck()).toBe("ok");
    } finally {
      store.close();
    }
    await using restarted = await startBrokerServer({ dataDir });
    for (const version of acknowledged) {
      const res = await fetch(
        `${restarted.url}/pacts/provider/kill-api/consumer/kill-web/version/${version}`,
      );
      expect(res.status, `acknowledged ${version} is missing after the kill`).toBe(200);
      const pact = (await res.json()) as { interactions: { description: string }[] };
      expect(pact.interactions[0]?.description).toBe(`request of ${version}`);
    }
    // A publication is one transaction: any version that exists has its branch, tag and pact.
    const versions = (await (await fetch(`${restarted.url}/pacticipants/kill-web/versions`)).json()) as {
      _embedded: {
        versions: {
          number: string;
          _embedded: { branchVersions: { name: string }[]; tags: { name: string }[] };
        }[];
      };
    };
    expect(versions._embedded.versions.length).toBeGreaterThanOrEqual(acknowledged.length);
    for (const v of versions._embedded.versions) {
      expect(v._embedded.branchVersions.map((x) => x.name)).toEqual(["main"]);
      expect(v._embedded.tags.map((x) => x.name)).toEqual([`t-${v.number}`]);
      const pact = await fetch(
        `${restarted.url}/pacts/provider/kill-api/consumer/kill-web/version/${v.number}`,
      );
      expect(pact.status, `version ${v.number} exists without its pact`).toBe(200);
    }
  });

  it("`broker start` prints its URL, requires the token from PACT_BROKER_TOKEN, and closes the database on SIGTERM", async () => {
    const dataDir = tempDir("broker-sigterm");
    const token = "env-token-never-printed";
    const broker = await spawnBroker(["--port", "0", "--data-dir", dataDir], { PACT_BROKER_TOKEN: token });
    expect((await fetch(`${broker.url}/pacticipants`)).status).toBe(401);
    const env = await pactBroker(
      ["create-environment", "--broker-base-url", broker.url, "--name", "sigterm-env"],
      { PACT_BROKER_TOKEN: token },
    );
    expect(env.code, env.stdout + env.stderr).toBe(0);
    expect(fs.existsSync(path.join(dataDir, "broker.sqlite-wal"))).toBe(true);
    broker.child.kill("SIGTERM");
    const exit = await broker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(broker.output()).toContain("broker: stopped, database closed");
    expect(broker.output()).not.toContain(token);
    // A clean close checkpoints the WAL into the database file and removes it.
    expect(fs.existsSync(path.join(dataDir, "broker.sqlite-wal"))).toBe(false);
    await using reopened = await startBrokerServer({ dataDir });
    const envs = (await (await fetch(`${reopened.url}/environments`)).json()) as {
      _embedded: { environments: { name: string }[] };
    };
    expect(envs._embedded.environments.map((e) => e.name)).toEqual(["sigterm-env"]);
  });
});
