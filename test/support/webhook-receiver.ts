/**
 * A webhook target for the broker tests, on 127.0.0.1: records every request it gets, and answers
 * by path: `/hang` never answers (until stopped), `/flaky/<n>` answers 500 to its first n requests
 * and 200 after, anything else 200. `onRequest` lets a test act on a request (start a build).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface WebhookReceiver extends AsyncDisposable {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Requests to `path` so far. */
  to(path: string): ReceivedRequest[];
}

export async function startWebhookReceiver(
  onRequest?: (r: ReceivedRequest) => void,
): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const flakyCount = new Map<string, number>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://receiver.invalid");
      const r: ReceivedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        at: performance.now(),
      };
      received.push(r);
      onRequest?.(r);
      if (url.pathname === "/hang") {
        hanging.add(res);
        return;
      }
      const flaky = /^\/flaky\/(\d+)$/.exec(url.pathname);
      if (flaky) {
        const seen = (flakyCount.get(url.pathname) ?? 0) + 1;
        flakyCount.set(url.pathname, seen);
        if (seen <= Number(flaky[1])) {
          res.writeHead(500).end(`failure ${seen}`);
          return;
        }
      }
      res.writeHead(200, { "Content-Type": "text/plain" }).end("received");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    to: (path) => received.filter((r) => r.path === path),
    async [Symbol.asyncDispose]() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
