/**
 * A Pact Broker compatible server for offline work and CI: node:http, a route table, SQLite storage.
 *
 *   await using broker = await startBrokerServer({ dataDir: ".cache/broker" });
 *   // PACT_BROKER_BASE_URL=broker.url
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BrokerAccess, type BrokerAuth } from "./auth.ts";
import { BrokerApi, type ApiResponse, type BrokerBehaviour } from "./api/api.ts";
import { WebhookService, type WebhookSettings } from "./webhooks/service.ts";
import {
  BrokerError,
  BrokerPayloadTooLargeError,
  BrokerStartError,
  BrokerUnauthorizedError,
  BrokerValidationError,
} from "./errors.ts";
import { renderBrokerPage } from "./page.ts";
import { BrokerStore } from "./store/store.ts";
import { BrokerUrls } from "./urls.ts";

export interface BrokerLogger {
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type { BrokerAuth } from "./auth.ts";

/** One handled request, for logs and tests (never carries headers, so never a credential). */
export interface BrokerRequestRecord {
  method: string;
  path: string;
  /** The query string without `?` ("" when none). */
  query: string;
  /** The route pattern that handled it (`/pacticipants/:name`), or undefined when none matched. */
  route?: string;
  status: number;
  durationMs: number;
}

export type { BrokerBehaviour };

export interface BrokerServerOptions extends BrokerBehaviour {
  /** 0 or undefined: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Directory of `broker.sqlite`; created if missing. Unused with `databaseUrl`. */
  dataDir: string;
  /** A PostgreSQL database (`postgres://...`) instead of SQLite in `dataDir`. */
  databaseUrl?: string;
  auth?: BrokerAuth;
  logger?: BrokerLogger;
  /** Called after each request with its method, path, query, status and duration. */
  onRequest?: (record: BrokerRequestRecord) => void;
  /** Largest accepted request body; default 16 MiB. */
  maxBodyBytes?: number;
  /** Which webhook targets are allowed, and how executions are bounded (the Pact Broker's defaults). */
  webhooks?: WebhookSettings;
}

export interface StartedBrokerServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:43121` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const HAL_JSON = "application/hal+json;charset=utf-8";
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new BrokerPayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch (err) {
    throw BrokerValidationError.single(
      "body",
      `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(",").map((t) => t.split(";")[0]!.trim().toLowerCase());
  const html = types.indexOf("text/html");
  if (html < 0) return false;
  const json = types.findIndex((t) => t === "application/hal+json" || t === "application/json");
  return json < 0 || html < json;
}

function baseUrlOf(req: http.IncomingMessage, fallback: string): string {
  const forwardedHost = req.headers["x-forwarded-host"];
  const forwardedProto = req.headers["x-forwarded-proto"];
  const host = (Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost) ?? req.headers.host;
  if (!host || !/^[A-Za-z0-9.\-:[\]]+$/.test(host)) return fallback;
  const proto =
    (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto) === "https" ? "https" : "http";
  return `${proto}://${host}`;
}

export async function startBrokerServer(options: BrokerServerOptions): Promise<StartedBrokerServer> {
  const host = options.host ?? "127.0.0.1";
  const access = new BrokerAccess(options.auth);
  const authEnabled = access.enabled;
  const logger = options.logger;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const store = options.databaseUrl
    ? BrokerStore.openPostgres(options.databaseUrl)
    : BrokerStore.open(options.dataDir);
  const webhooks = new WebhookService(store.webhooks, options.webhooks, logger);
  const api = new BrokerApi(
    store,
    {
      ...(options.autoDetectMainBranch !== undefined
        ? { autoDetectMainBranch: options.autoDetectMainBranch }
        : {}),
      ...(options.mainBranchCandidates ? { mainBranchCandidates: options.mainBranchCandidates } : {}),
      ...(options.allowDangerousContractModification !== undefined
        ? { allowDangerousContractModification: options.allowDangerousContractModification }
        : {}),
    },
    webhooks,
  );
  let fallbackBase = `http://${host}`;
  const routeOf = (method: string, path: string): string | undefined => {
    const found = api.routes.lookup(method, path);
    return found.kind === "found" ? found.match.pattern : undefined;
  };

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const payload = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": HAL_JSON,
      "Content-Length": Buffer.byteLength(payload),
      ...headers,
    });
    res.end(payload);
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<{ status: number; route?: string }> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://broker.invalid");
    const path = url.pathname;
    try {
      try {
        access.check(method, path, req.headers.authorization);
      } catch (err) {
        req.resume();
        throw err;
      }
      const urls = new BrokerUrls(baseUrlOf(req, fallbackBase));
      if (method === "GET" && (path === "/" || path === "") && wantsHtml(req.headers.accept)) {
        const html = renderBrokerPage(store, urls);
        res.writeHead(200, {
          "Content-Type": "text/html;charset=utf-8",
          "Content-Length": Buffer.byteLength(html),
        });
        res.end(html);
        return { status: 200, route: "/ (text/html)" };
      }
      const found = api.routes.lookup(method, path);
      if (found.kind === "not-found") {
        req.resume();
        send(res, 404, {
          title: "Not found",
          status: 404,
          error: { message: `No resource at ${method} ${path}` },
        });
        return { status: 404 };
      }
      if (found.kind === "method-not-allowed") {
        req.resume();
        send(
          res,
          405,
          {
            title: "Method not allowed",
            status: 405,
            error: { message: `${method} is not allowed on ${path}` },
          },
          {
            Allow: found.allowed.join(", "),
          },
        );
        return { status: 405 };
      }
      const body =
        method === "GET" || method === "DELETE" || method === "HEAD"
          ? (req.resume(), undefined)
          : parseJson(await readBody(req, maxBody));
      const result: ApiResponse = await found.match.handler({
        params: found.match.params,
        query: url.searchParams,
        body,
        urls,
      });
      if (result.status === 204) {
        res.writeHead(204);
        res.end();
      } else if (typeof result.body === "string" && result.headers?.["Content-Type"]) {
        // A page (the relation docs), sent as it is.
        res.writeHead(result.status, { ...result.headers, "Content-Length": Buffer.byteLength(result.body) });
        res.end(method === "HEAD" ? undefined : result.body);
      } else {
        send(res, result.status, method === "HEAD" ? undefined : result.body, result.headers);
      }
      return { status: result.status, route: found.match.pattern };
    } catch (err) {
      if (err instanceof BrokerError) {
        const headers: Record<string, string> =
          err instanceof BrokerUnauthorizedError ? { "WWW-Authenticate": access.challenge() } : {};
        send(res, err.status, err.toBody(), headers);
        return {
          status: err.status,
          route: api.routes.lookup(method, path).kind === "found" ? routeOf(method, path) : undefined,
        };
      }
      logger?.error(
        `broker: ${method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      send(res, 500, {
        title: "Server error",
        status: 500,
        error: { message: err instanceof Error ? err.message : String(err) },
      });
      return { status: 500, route: routeOf(method, path) };
    }
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    void handle(req, res).then(({ status, route }) => {
      const parsed = new URL(req.url ?? "/", "http://broker.invalid");
      const record: BrokerRequestRecord = {
        method: req.method ?? "GET",
        path: parsed.pathname,
        query: parsed.search.replace(/^\?/, ""),
        route,
        status,
        durationMs: performance.now() - started,
      };
      logger?.debug?.(
        `broker: ${record.method} ${record.path} ${record.status} ${record.durationMs.toFixed(1)}ms`,
      );
      options.onRequest?.(record);
    });
  });
  server.keepAliveTimeout = 5_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    store.close();
    throw new BrokerStartError(
      `broker cannot listen on ${host}:${options.port ?? 0}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}`;
  fallbackBase = url;
  logger?.info(`broker: listening on ${url} (data ${store.file}${authEnabled ? ", auth required" : ""})`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => {
        void webhooks.executor.close().then(() => {
          store.close();
          logger?.info("broker: stopped, database closed");
          resolve();
        });
      });
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2_000).unref();
    });
    return stopping;
  };

  return {
    url,
    port,
    host,
    dataDir: options.dataDir,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
