/**
 * One faultline/postgres container for a test file's brokers, with a fresh database per broker
 * (`database()`), removed after the file.
 */
import pg from "pg";
import { Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll } from "vitest";
import { managedContainer } from "../../src/env/managed-container.ts";
import { imageRef } from "../../src/images/catalog.ts";

const PASSWORD = "broker-pw";

export interface BrokerPostgres {
  /** A new empty database's URL (postgres://postgres:...@127.0.0.1:port/name). */
  database(name: string): Promise<string>;
  /** Runs SQL as the superuser in a database (for tests that look underneath). */
  query(url: string, sql: string): Promise<Record<string, unknown>[]>;
}

export function usePostgres(): BrokerPostgres {
  let container: StartedTestContainer | undefined;
  beforeAll(async () => {
    container = await managedContainer(imageRef("postgres"))
      .withEnvironment({ POSTGRES_PASSWORD: PASSWORD })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/))
      .start();
  }, 120_000);
  afterAll(async () => {
    await container?.stop();
  });
  const url = (db: string) => {
    if (!container)
      throw new Error("the PostgreSQL container is not started yet: use it inside a test or a hook");
    return `postgres://postgres:${PASSWORD}@${container.getHost()}:${container.getMappedPort(5432)}/${db}`;
  };
  const query = async (u: string, sql: string) => {
    const client = new pg.Client({ connectionString: u });
    await client.connect();
    try {
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  return {
    async database(name) {
      await query(url("postgres"), `CREATE DATABASE ${name}`);
      return url(name);
    },
    query,
  };
}
