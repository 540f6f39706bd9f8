// The PostgreSQL side of pg-sync.ts: one connection, queries run one at a time as they arrive;
// each answer is posted back and the waiting thread woken through the shared flag.
import { workerData } from "node:worker_threads";
import pg from "pg";

// count(*) and other bigints come back as numbers, as SQLite gives them.
pg.types.setTypeParser(20, (v) => Number(v));

const { port, flag, url } = workerData;
const signal = new Int32Array(flag);
const client = new pg.Client({ connectionString: url });
let ready;

function answer(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on("message", async ({ sql, params }) => {
  try {
    ready ??= client.connect();
    await ready;
    if (sql === null) {
      await client.end();
      answer({ ok: true });
      return;
    }
    const r = params ? await client.query(sql, params) : await client.query(sql);
    const last = Array.isArray(r) ? r[r.length - 1] : r;
    answer({ ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
  } catch (err) {
    answer({ ok: false, message: err instanceof Error ? err.message : String(err), code: err?.code });
  }
});
