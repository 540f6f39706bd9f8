/**
 * Who may read and who may write, as the Pact Broker's image configures it: a bearer token and a
 * basic-auth user that may write, a basic-auth user that may only read, and public read.
 *
 *   const access = new BrokerAccess({ username: "ci", password: "pw", readOnlyUsername: "dev", ... });
 *   access.check("POST", "/contracts/publish", req.headers.authorization); // throws 401 or 403
 *
 * Credentials are compared in constant time and never appear in an error, a log or a link.
 */
import { timingSafeEqual } from "node:crypto";
import { BrokerForbiddenError, BrokerStartError, BrokerUnauthorizedError } from "./errors.ts";

export interface BrokerAuth {
  /** Bearer token clients send as `Authorization: Bearer <token>` (read and write). */
  token?: string;
  /** Basic auth user that may read and write (PACT_BROKER_BASIC_AUTH_USERNAME). */
  username?: string;
  password?: string;
  /** Basic auth user that may only read (PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME). */
  readOnlyUsername?: string;
  readOnlyPassword?: string;
  /** Anonymous requests may read (PACT_BROKER_ALLOW_PUBLIC_READ); writes still need credentials. */
  allowPublicRead?: boolean;
}

export type BrokerRole = "write" | "read" | "anonymous";

/** Reachable without credentials, like the Pact Broker's heartbeat. */
const PUBLIC_PATHS = new Set(["/diagnostic/status/heartbeat"]);
/** POSTs that only read (the Pact Broker lets its read-only user ask for pacts to verify). */
const READ_POSTS = [/^\/pacts\/provider\/[^/]+\/for-verification\/?$/];

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isWrite(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  return !(method === "POST" && READ_POSTS.some((re) => re.test(path)));
}

export class BrokerAccess {
  readonly enabled: boolean;

  constructor(private readonly auth: BrokerAuth | undefined) {
    if (!auth) {
      this.enabled = false;
      return;
    }
    if (auth.token !== undefined && auth.token.length === 0)
      throw new BrokerStartError("broker auth token is empty");
    if (auth.token === undefined && auth.username === undefined && auth.readOnlyUsername === undefined) {
      throw new BrokerStartError(
        "broker auth needs a token, a username (and password) or a read-only username (and password)",
      );
    }
    if (auth.readOnlyUsername !== undefined && auth.readOnlyUsername === auth.username)
      throw new BrokerStartError(
        "the read-only basic auth user has the same name as the read-write one (fix: give PACT_BROKER_BASIC_AUTH_READ_ONLY_USERNAME another name)",
      );
    this.enabled = true;
  }

  /** The role the Authorization header proves; throws 401 when it carries wrong credentials. */
  roleOf(header: string | undefined): BrokerRole {
    const auth = this.auth;
    if (!auth) return "write";
    if (!header) return "anonymous";
    const [scheme, ...rest] = header.trim().split(/\s+/);
    const value = rest.join(" ");
    const kind = scheme?.toLowerCase();
    if (kind === "bearer" && auth.token !== undefined && sameSecret(value, auth.token)) return "write";
    if (kind === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const i = decoded.indexOf(":");
      if (i >= 0) {
        const user = decoded.slice(0, i);
        const pass = decoded.slice(i + 1);
        if (
          auth.username !== undefined &&
          sameSecret(user, auth.username) &&
          sameSecret(pass, auth.password ?? "")
        )
          return "write";
        if (
          auth.readOnlyUsername !== undefined &&
          sameSecret(user, auth.readOnlyUsername) &&
          sameSecret(pass, auth.readOnlyPassword ?? "")
        )
          return "read";
      }
    }
    throw new BrokerUnauthorizedError("Authentication failed: the credentials sent are not valid");
  }

  /** Throws 401 (no or wrong credentials) or 403 (read-only credentials on a write). */
  check(method: string, path: string, header: string | undefined): BrokerRole {
    if (!this.enabled || PUBLIC_PATHS.has(path)) return "write";
    const role = this.roleOf(header);
    const write = isWrite(method, path);
    if (role === "anonymous") {
      if (!write && this.auth?.allowPublicRead) return role;
      throw new BrokerUnauthorizedError();
    }
    if (role === "read" && write)
      throw new BrokerForbiddenError(
        `Forbidden: the read-only user may not ${method} ${path} (writes need the read-write user or the bearer token)`,
      );
    return role;
  }

  /** The WWW-Authenticate challenge of a 401. */
  challenge(): string {
    return this.auth?.token !== undefined &&
      this.auth.username === undefined &&
      this.auth.readOnlyUsername === undefined
      ? 'Bearer realm="faultline broker"'
      : 'Basic realm="faultline broker"';
  }
}
