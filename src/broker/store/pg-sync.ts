/**
 * PostgreSQL behind the same synchronous statement API the store uses on SQLite (the subset of
 * better-sqlite3 it calls: prepare().get/all/run, transaction().immediate(), exec, pragma), so
 * every store layer runs unchanged on both. Queries go to one `pg` connection in a worker thread;
 * the calling thread waits for each answer (Atomics.wait), as it waits for SQLite's disk.
 *
 * SQL is written for SQLite and translated here: `?` and `@name` placeholders become `$n`,
 * `INSERT OR IGNORE` becomes `ON CONFLICT DO NOTHING`, an INSERT returns its row (for
 * lastInsertRowid). Every write transaction holds one advisory lock, so broker processes sharing
 * a database write one at a time and see each other's committed writes.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";

type Params = unknown[];
interface Answer {
  ok: boolean;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  message?: string;
  code?: string;
}

/** The advisory lock every broker write holds (one writer at a time across processes). */
const WRITE_LOCK = 0x62726b; // "brk"
const QUERY_TIMEOUT_MS = 30_000;

export class PgQueryError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly sql: string,
  ) {
    super(`${message} (PostgreSQL${code ? ` ${code}` : ""}; SQL: ${sql.replace(/\s+/g, " ").slice(0, 200)})`);
    this.name = "PgQueryError";
  }
}

/** `?`/`@name` to `$n`, and the parameter list in that order. */
export function translate(sql: string, args: unknown[]): { text: string; values: Params } {
  const named =
    args.length === 1 && args[0] !== null && typeof args[0] === "object" && !Array.isArray(args[0]);
  const bag = named ? (args[0] as Record<string, unknown>) : {};
  const values: Params = [];
  let positional = 0;
  let out = "";
  let quote = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'") quote = !quote;
    if (!quote && c === "?") {
      values.push(args[positional++]);
      out += `$${values.length}`;
    } else if (!quote && c === "@" && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      values.push(bag[name]);
      out += `$${values.length}`;
      i += name.length;
    } else out += c;
  }
  let text = out.replace(/(\$\d+) IS (NOT )?NULL/g, "$1::text IS $2NULL");
  if (/^\s*INSERT OR IGNORE INTO/i.test(text))
    text = `${text.replace(/INSERT OR IGNORE INTO/i, "INSERT INTO")} ON CONFLICT DO NOTHING`;
  return { text, values: values.map((v) => (v === undefined ? null : v)) };
}

/** SQLite DDL as PostgreSQL DDL (the broker's schema uses few types). */
export function pgDdl(sql: string): string {
  return sql.replace(/INTEGER PRIMARY KEY(?! \()/g, "SERIAL PRIMARY KEY");
}

class PgStatement {
  constructor(
    private readonly db: PgSyncDatabase,
    private readonly sql: string,
  ) {}

  get(...args: unknown[]): unknown {
    const { text, values } = translate(this.sql, args);
    return this.db.query(text, values).rows?.[0];
  }

  all(...args: unknown[]): unknown[] {
    const { text, values } = translate(this.sql, args);
    return this.db.query(text, values).rows ?? [];
  }

  run(...args: unknown[]): { changes: number; lastInsertRowid: number } {
    const { text, values } = translate(this.sql, args);
    const insert = /^\s*INSERT/i.test(text) && !/RETURNING/i.test(text);
    const r = this.db.query(insert ? `${text} RETURNING *` : text, values);
    const id = r.rows?.[0]?.id;
    return { changes: r.rowCount ?? 0, lastInsertRowid: typeof id === "number" ? id : 0 };
  }
}

type Tx<T> = ((...a: unknown[]) => T) & { immediate: (...a: unknown[]) => T };

export class PgSyncDatabase {
  open = true;
  private readonly worker: Worker;
  private readonly port: MessageChannel["port1"];
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private depth = 0;

  constructor(readonly url: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL("./pg-worker.mjs", import.meta.url), {
      workerData: { port: port2, flag: this.flag.buffer, url },
      transferList: [port2],
    });
    this.worker.unref();
  }

  query(text: string, values?: Params): Answer {
    if (!this.open) throw new Error("the PostgreSQL connection is closed");
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ sql: text, params: values ?? null });
    if (Atomics.wait(this.flag, 0, 0, QUERY_TIMEOUT_MS) === "timed-out")
      throw new PgQueryError(`no answer within ${QUERY_TIMEOUT_MS} ms`, undefined, text);
    const answer = receiveMessageOnPort(this.port)?.message as Answer | undefined;
    if (!answer) throw new PgQueryError("no answer from the PostgreSQL worker", undefined, text);
    if (!answer.ok) throw new PgQueryError(answer.message ?? "query failed", answer.code, text);
    return answer;
  }

  /** Whether a transaction is open (as better-sqlite3's `inTransaction`). */
  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): PgStatement {
    return new PgStatement(this, sql);
  }

  exec(sql: string): void {
    this.query(sql);
  }

  /** A transaction (nested ones are savepoints); every outermost one holds the write lock. */
  transaction<T>(fn: (...a: unknown[]) => T): Tx<T> {
    const run = (...a: unknown[]): T => {
      const outer = this.depth === 0;
      const savepoint = `sp${this.depth}`;
      // One round trip for both: a simple query may hold several statements.
      this.query(outer ? `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})` : `SAVEPOINT ${savepoint}`);
      this.depth++;
      try {
        const result = fn(...a);
        this.depth--;
        this.query(outer ? "COMMIT" : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (err) {
        this.depth--;
        this.query(outer ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw err;
      }
    };
    return Object.assign(run, { immediate: run });
  }

  /** The pragmas the store reads: user_version (kept in a table) and integrity_check. */
  pragma(source: string, _opts?: { simple: boolean }): unknown {
    const set = /^user_version\s*=\s*(\d+)$/.exec(source.trim());
    if (set) {
      this.query(`UPDATE broker_schema SET version = ${Number(set[1])}`);
      return undefined;
    }
    if (source.trim() === "user_version")
      return (this.query("SELECT version FROM broker_schema").rows?.[0]?.version as number | undefined) ?? 0;
    if (source.trim() === "integrity_check") return "ok";
    return undefined;
  }

  close(): void {
    if (!this.open) return;
    try {
      this.query(null as unknown as string);
    } finally {
      this.open = false;
      void this.worker.terminate();
    }
  }
}

/**
 * Applies the migrations after the one the database records, under the write lock and
 * re-reading the version inside it, so broker processes starting together migrate once.
 */
export function migratePg(db: PgSyncDatabase, migrations: readonly string[]): number {
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS broker_schema (version INTEGER NOT NULL)");
    if (db.query("SELECT count(*) AS n FROM broker_schema").rows?.[0]?.n === 0)
      db.query("INSERT INTO broker_schema (version) VALUES (0)");
    const at = Number(db.pragma("user_version"));
    for (let n = at + 1; n <= migrations.length; n++) {
      db.exec(pgDdl(migrations[n - 1]!));
      db.pragma(`user_version = ${n}`);
    }
  }).immediate();
  return migrations.length;
}
