/** The database every part of the store shares, and its transactions. */
import Database from "better-sqlite3";

export function now(): string {
  return new Date().toISOString();
}

/**
 * The store prepares its SQL where it runs it; compiling the same text again on every call was
 * the largest cost of a publication (measured). Statements are kept by their text, per database.
 */
function cachingStatements(db: Database.Database): Database.Database {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  return Object.assign(db, {
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = prepare(sql);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  }) as Database.Database;
}

export abstract class StoreBase {
  protected readonly db: Database.Database;
  readonly file: string;

  protected constructor(db: Database.Database, file: string) {
    this.db = cachingStatements(db);
    this.file = file;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  integrityCheck(): string {
    return String(this.db.pragma("integrity_check", { simple: true }));
  }

  /**
   * Runs `fn` in one immediate transaction; inside one already, `fn` joins it (no savepoint: no
   * caller catches an error inside a write, so any error rolls the whole transaction back, and a
   * savepoint cost two PostgreSQL round trips per nested write).
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }
}
