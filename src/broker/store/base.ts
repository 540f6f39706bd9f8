/** The database every part of the store shares, and its transactions. */
import Database from "better-sqlite3";

export function now(): string {
  return new Date().toISOString();
}

export abstract class StoreBase {
  protected readonly db: Database.Database;
  readonly file: string;

  protected constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  integrityCheck(): string {
    return String(this.db.pragma("integrity_check", { simple: true }));
  }

  /** Runs `fn` in one immediate transaction. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}
