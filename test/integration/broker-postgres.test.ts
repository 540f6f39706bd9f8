/**
 * The broker on PostgreSQL: an older database (SQLite or PostgreSQL) upgrades at start; two
 * broker processes on one database give the same answers (publish through one, verify and ask
 * can-i-deploy through the other); concurrent publishes of the same version through both lose
 * nothing and duplicate nothing; a kill -9 of one process mid-publish loses nothing it acknowledged.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { BrokerStore } from "../../src/broker/store/store.ts";
import { MIGRATIONS } from "../../src/broker/store/schema.ts";
import { pgDdl } from "../../src/broker/store/pg-sync.ts";
import { usePostgres } from "../support/broker-postgres.ts";
import {
  pactBroker,
  productInteraction,
  publishWithCli,
  spawnBroker,
  startProductProvider,
  tempDir,
  verifyFromBroker,
  writePact,
  type ChildBroker,
} from "../support/broker-test-kit.ts";

const pgs = usePostgres();
const children: ChildBroker[] = [];
afterAll(() => {
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGTERM");
});
async function brokerProcess(databaseUrl: string): Promise<ChildBroker> {
  const c = await spawnBroker([
    "--port",
    "0",
    "--data-dir",
    tempDir("broker-pg-unused"),
    "--database-url",
    databaseUrl,
  ]);
  children.push(c);
  return c;
}

function publishBody(consumer: string, version: string, description: string): Record<string, unknown> {
  const pact = {
    consumer: { name: consumer },
    provider: { name: "pg-api" },
    interactions: [{ description, request: { method: "GET", path: "/x" }, response: { status: 200 } }],
    metadata: { pactSpecification: { version: "3.0.0" } },
  };
  return {
    pacticipantName: consumer,
    pacticipantVersionNumber: version,
    branch: "main",
    tags: ["t"],
    contracts: [
      {
        consumerName: consumer,
        providerName: "pg-api",
        specification: "pact",
        contentType: "application/json",
        content: Buffer.from(JSON.stringify(pact)).toString("base64"),
      },
    ],
  };
}
const post = (url: string, body: unknown) =>
  fetch(`${url}/contracts/publish`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the broker on PostgreSQL", { timeout: 180_000 }, () => {
  it("upgrades an older database at start, on SQLite and on PostgreSQL", async () => {
    const dir = tempDir("broker-old-sqlite");
    const old = new Database(path.join(dir, "broker.sqlite"));
    old.exec(MIGRATIONS[0]!);
    old.prepare("INSERT INTO pacticipants (name, created_at, updated_at) VALUES ('old-app', 'x', 'x')").run();
    old.close(); // user_version 0: made before migrations were numbered
    const sqlite = BrokerStore.open(dir);
    try {
      expect(sqlite.schemaVersion()).toBe(MIGRATIONS.length);
      expect(sqlite.findPacticipant("old-app")?.name).toBe("old-app");
      expect(sqlite.webhooks.listWebhooks()).toEqual([]);
    } finally {
      sqlite.close();
    }

    const url = await pgs.database("old_pg");
    await pgs.query(
      url,
      `${pgDdl(MIGRATIONS[0]!)}; CREATE TABLE broker_schema (version INTEGER NOT NULL); INSERT INTO broker_schema VALUES (1);
       INSERT INTO pacticipants (name, created_at, updated_at) VALUES ('old-app', 'x', 'x')`,
    );
    const pg = BrokerStore.openPostgres(url);
    try {
      expect(pg.schemaVersion()).toBe(MIGRATIONS.length);
      expect(pg.findPacticipant("old-app")?.name).toBe("old-app");
      expect(pg.webhooks.listWebhooks()).toEqual([]);
    } finally {
      pg.close();
    }
    expect(await pgs.query(url, "SELECT version FROM broker_schema")).toEqual([
      { version: MIGRATIONS.length },
    ]);
  });

  it("gives the same answers from two processes: publish through one, verify and can-i-deploy through the other", async () => {
    const url = await pgs.database("two_procs");
    const [a, b] = await Promise.all([brokerProcess(url), brokerProcess(url)]);
    await using provider = await startProductProvider();
    await publishWithCli(
      a.url,
      writePact(tempDir("broker-pg-pacts"), "two-web", "two-api", [
        productInteraction("SKU-1", { state: false }),
      ]),
      "1.0.0",
      "main",
    );
    const outcome = await verifyFromBroker({
      brokerUrl: b.url,
      provider: "two-api",
      providerBaseUrl: provider.url,
      providerVersion: "p1",
      providerVersionBranch: "main",
      consumerVersionSelectors: [{ mainBranch: true }],
    });
    expect(outcome.passed, String(outcome.error)).toBe(true);
    for (const broker of [a, b]) {
      const r = await pactBroker([
        "can-i-deploy",
        "--broker-base-url",
        broker.url,
        "--pacticipant",
        "two-web",
        "--version",
        "1.0.0",
        "--pacticipant",
        "two-api",
        "--version",
        "p1",
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("Computer says yes");
    }
    for (const p of [
      "/pacticipants",
      "/pacts/latest",
      "/pacts/provider/two-api/consumer/two-web/latest",
      "/matrix?q[][pacticipant]=two-web&q[][version]=1.0.0&latestby=cvpv",
    ]) {
      const [x, y] = await Promise.all(
        [a, b].map(async (s) => (await (await fetch(`${s.url}${p}`)).text()).replaceAll(s.url, "BASE")),
      );
      expect(y, p).toBe(x);
    }
  });

  it("loses nothing and duplicates nothing when both processes publish the same version at once", async () => {
    const url = await pgs.database("concurrent");
    const [a, b] = await Promise.all([brokerProcess(url), brokerProcess(url)]);
    const same = Array.from({ length: 20 }, (_, i) =>
      post(i % 2 ? a.url : b.url, publishBody("same-web", "1.0.0", "one content")),
    );
    const distinct = Array.from({ length: 20 }, (_, i) =>
      post(i % 2 ? a.url : b.url, publishBody("same-web", `2.0.${i}`, `content ${i}`)),
    );
    const statuses = await Promise.all([...same, ...distinct].map(async (r) => (await r).status));
    expect(
      statuses.every((s) => s === 200),
      statuses.join(","),
    ).toBe(true);
    const [counts] = await pgs.query(
      url,
      `SELECT (SELECT count(*) FROM versions v JOIN pacticipants p ON p.id = v.pacticipant_id WHERE p.name = 'same-web')::int AS versions,
              (SELECT count(*) FROM pacticipants WHERE name IN ('same-web', 'pg-api'))::int AS pacticipants,
              (SELECT count(*) FROM pact_publications)::int AS publications,
              (SELECT count(*) FROM pact_versions)::int AS contents,
              (SELECT count(*) FROM tags)::int AS tags`,
    );
    expect(counts).toEqual({ versions: 21, pacticipants: 2, publications: 21, contents: 21, tags: 21 });
    const versions = (await (await fetch(`${b.url}/pacticipants/same-web/versions`)).json()) as {
      _embedded: { versions: unknown[] };
    };
    expect(versions._embedded.versions).toHaveLength(21);
  });

  it("loses no acknowledged publication when one process is killed with SIGKILL mid-publish", async () => {
    const url = await pgs.database("killed");
    const [a, b] = await Promise.all([brokerProcess(url), brokerProcess(url)]);
    const acknowledged: string[] = [];
    let killed = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !killed; i++) {
        const version = `w${w}-${i}`;
        try {
          const res = await post(a.url, publishBody("kill-web", version, `request of ${version}`));
          if (res.status === 200) acknowledged.push(version);
          else throw new Error(`publish ${version} answered ${res.status}`);
        } catch (err) {
          if (!killed) throw err;
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await expect.poll(() => acknowledged.length, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(40);
    a.child.kill("SIGKILL");
    killed = true;
    await Promise.all(workers);
    expect((await a.exited).signal).toBe("SIGKILL");
    for (const version of acknowledged) {
      const res = await fetch(`${b.url}/pacts/provider/pg-api/consumer/kill-web/version/${version}`);
      expect(res.status, `acknowledged ${version} is missing after the kill`).toBe(200);
    }
    // A publication is one transaction: every version has its pact and its tag.
    const [half] = await pgs.query(
      url,
      `SELECT count(*)::int AS n FROM versions v WHERE NOT EXISTS (SELECT 1 FROM pact_publications p WHERE p.consumer_version_id = v.id)
         OR NOT EXISTS (SELECT 1 FROM tags t WHERE t.version_id = v.id)`,
    );
    expect(half).toEqual({ n: 0 });
  });
});
