/**
 * Durable storage of the broker in SQLite (better-sqlite3): WAL journal, synchronous=FULL, every
 * write in one transaction, so a write the server acknowledged survives a kill and a write that was
 * cut off leaves nothing half-done.
 *
 * The model follows the Pact Broker's: pacticipants have versions; versions sit on branches and
 * carry tags; a pact publication ties a consumer version to a provider and to a pact version (the
 * content, deduplicated by a SHA of what affects verification); verifications belong to the pact
 * version, so identical content published under a new consumer version shares its results.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BrokerStartError } from "../errors.ts";
import { MIGRATIONS } from "./schema.ts";
import { migratePg, PgSyncDatabase } from "./pg-sync.ts";
import { VerificationStore } from "./verifications.ts";
import { WebhookStore } from "./webhooks.ts";

export type * from "./rows.ts";
export { pactContentSha } from "./content.ts";
export type { PublishPactResult } from "./pacts.ts";

/** Applies the migrations after the one the database records, each in its own transaction. */
export function migrate(db: Database.Database): number {
  const at = Number(db.pragma("user_version", { simple: true }));
  for (let n = at + 1; n <= MIGRATIONS.length; n++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[n - 1]!);
      db.pragma(`user_version = ${n}`);
    }).immediate();
  }
  return MIGRATIONS.length;
}

/**
 * The store, one layer per resource (pacticipants <- versions <- environments <- deployments <-
 * pacts <- verifications): each layer may use the ones below it.
 */
export class BrokerStore extends VerificationStore {
  /** Opens (creating if needed) `<dataDir>/broker.sqlite`. */
  static open(dataDir: string): BrokerStore {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw new BrokerStartError(`broker data directory ${dataDir} cannot be created`, { cause: err });
    }
    const file = path.join(dataDir, "broker.sqlite");
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      migrate(db);
    } catch (err) {
      throw new BrokerStartError(`broker database ${file} cannot be opened`, { cause: err });
    }
    return new BrokerStore(db, file);
  }

  /**
   * Opens a PostgreSQL database (`postgres://user:password@host:port/db`), migrating it to the
   * current schema. Its `file` is the URL without the password.
   */
  static openPostgres(url: string): BrokerStore {
    let shown: string;
    try {
      const u = new URL(url);
      if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") throw new Error("not postgres:");
      if (u.password) u.password = "***";
      shown = u.toString();
    } catch {
      throw new BrokerStartError(
        "the database URL must look like postgres://user:password@host:5432/database (setting PACT_BROKER_DATABASE_URL or --database-url)",
      );
    }
    const db = new PgSyncDatabase(url);
    try {
      migratePg(db, MIGRATIONS);
    } catch (err) {
      db.close();
      throw new BrokerStartError(
        `broker database ${shown} cannot be opened: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return new BrokerStore(db as unknown as Database.Database, shown);
  }

  /** Webhooks and their executions, on the same database. */
  readonly webhooks = new WebhookStore(this.db);

  /** The schema version the database is at. */
  schemaVersion(): number {
    return Number(this.db.pragma("user_version", { simple: true }));
  }

  /** Counts for the HTML page and diagnostics. */
  counts(): Record<string, number> {
    const count = (table: string): number =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      pacticipants: count("pacticipants"),
      versions: count("versions"),
      pactPublications: count("pact_publications"),
      pactVersions: count("pact_versions"),
      verifications: count("verifications"),
      environments: count("environments"),
    };
  }
}
