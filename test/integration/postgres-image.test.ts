import pg from "pg";
import { Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageRef } from "../../src/images/catalog.ts";
import { managedContainer } from "../../src/env/managed-container.ts";
import { runToExit } from "../support/run-to-exit.ts";

const READY = /database system is ready to accept connections/;

async function query(
  container: StartedTestContainer,
  user: string,
  password: string,
  database: string,
  sql: string,
) {
  const client = new pg.Client({
    host: container.getHost(),
    port: container.getMappedPort(5432),
    user,
    password,
    database,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("faultline/postgres image", () => {
  let container: StartedTestContainer;

  beforeAll(async () => {
    container = await managedContainer(imageRef("postgres"))
      .withEnvironment({ POSTGRES_PASSWORD: "root-pw", PG_DATABASES: "orders:orders-pw,payments:pay'pw" })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(READY))
      .start();
  });
  afterAll(async () => {
    await container?.stop();
  });

  it("accepts a connection and answers a query", async () => {
    const rows = await query(
      container,
      "postgres",
      "root-pw",
      "postgres",
      "select 40 + 2 as answer, version() as v",
    );
    expect(rows[0].answer).toBe(42);
    expect(rows[0].v).toMatch(/^PostgreSQL 15\./);
  });

  it("creates one database and one owner per service, with their passwords", async () => {
    const rows = await query(
      container,
      "orders",
      "orders-pw",
      "orders",
      "select current_user, current_database()",
    );
    expect(rows[0]).toEqual({ current_user: "orders", current_database: "orders" });
    await query(container, "orders", "orders-pw", "orders", "create table t (id int primary key)");
    const pay = await query(container, "payments", "pay'pw", "payments", "select current_user");
    expect(pay[0].current_user).toBe("payments");
    const owners = await query(
      container,
      "postgres",
      "root-pw",
      "postgres",
      "select datname, pg_get_userbyid(datdba) as owner from pg_database where datname in ('orders','payments') order by 1",
    );
    expect(owners).toEqual([
      { datname: "orders", owner: "orders" },
      { datname: "payments", owner: "payments" },
    ]);
  });

  it("refuses a wrong password and a user on another service's database", async () => {
    await expect(query(container, "orders", "wrong", "orders", "select 1")).rejects.toThrow(
      /password authentication failed/,
    );
    await expect(query(container, "payments", "pay'pw", "orders", "select * from t")).rejects.toThrow(
      /permission denied/,
    );
  });

  it("fails at start with the reason when PG_DATABASES is malformed", async () => {
    const run = await runToExit(imageRef("postgres"), { POSTGRES_PASSWORD: "x", PG_DATABASES: "Orders-DB" });
    expect(run.exitCode).toBe(1);
    expect(run.logs).toMatch(/PG_DATABASES entry 'Orders-DB'.*format name:password/);
  });
});
