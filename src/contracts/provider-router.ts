/**
 * A switchable front door for provider verification: the verifier always calls one URL, and
 * provider-state handlers choose which real instance answers (for example a second gateway
 * started with a tiny rate limit for the "rate limit is used up" state). It forwards bytes
 * unchanged, so the verified responses are the provider's own.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StartedProviderRouter extends AsyncDisposable {
  /** Where the verifier sends its requests. */
  readonly url: string;
  /** Where requests currently go. */
  readonly target: string;
  /** Route every following request to `target` (an http://host:port base URL). */
  routeTo(target: string): void;
  /** Route back to the default target. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startProviderRouter(defaultTarget: string): Promise<StartedProviderRouter> {
  let target = new URL(defaultTarget);
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`provider router: ${target.origin} did not answer: ${err.message}`);
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url,
    get target() {
      return target.origin;
    },
    routeTo(t: string) {
      target = new URL(t);
    },
    reset() {
      target = new URL(defaultTarget);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
