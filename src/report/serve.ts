/**
 * Serves a reports folder over HTTP on loopback only (127.0.0.1), read-only: GET and HEAD of
 * files under the folder, `/` is the runs index. Paths that leave the folder are refused.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".xml": "application/xml; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
};

export interface ReportServer extends AsyncDisposable {
  url: string;
  /** The address it listens on (always 127.0.0.1). */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Starts serving `dir` on 127.0.0.1:`port` (0 picks a free port). */
export async function serveReports(dir: string, port = 0): Promise<ReportServer> {
  const root = await realpath(dir);
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      let rel: string;
      try {
        rel = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      } catch {
        res.writeHead(400).end("bad path\n");
        return;
      }
      let file = path.join(root, rel);
      try {
        if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
        file = await realpath(file);
        if (file !== root && !file.startsWith(root + path.sep)) throw new Error("outside");
        const st = await stat(file);
        res.writeHead(200, {
          "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
          "content-length": st.size,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        });
        if (req.method === "HEAD") res.end();
        else createReadStream(file).pipe(res);
      } catch {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${rel}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    url: `http://${addr.address}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
