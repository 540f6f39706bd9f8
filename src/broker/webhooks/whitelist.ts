/**
 * Which webhook targets an operator allows, with the Pact Broker's settings and defaults:
 * PACT_BROKER_WEBHOOK_SCHEME_WHITELIST (default https), _HTTP_METHOD_WHITELIST (default POST),
 * _HOST_WHITELIST (hostnames, `*.domain`, IPs, CIDR ranges, `/regex/`; empty: any host, and then no
 * response body is shown in executions). Only http and https can ever be allowed, so a webhook
 * cannot read the broker's own files (`file:`) or anything else a URL scheme could reach.
 */
import net from "node:net";
import { BrokerStartError, BrokerValidationError } from "../errors.ts";

export interface WebhookWhitelist {
  schemes: string[];
  methods: string[];
  hosts: string[];
}

export const DEFAULT_WHITELIST: WebhookWhitelist = { schemes: ["https"], methods: ["POST"], hosts: [] };
const CALLABLE_SCHEMES = new Set(["http", "https"]);

/** Checks an operator's lists at start; a scheme other than http/https is refused. */
export function validateWhitelist(w: WebhookWhitelist): WebhookWhitelist {
  for (const scheme of w.schemes) {
    if (!CALLABLE_SCHEMES.has(scheme.toLowerCase()))
      throw new BrokerStartError(
        `PACT_BROKER_WEBHOOK_SCHEME_WHITELIST names '${scheme}': webhooks can only call http and https (fix: remove '${scheme}')`,
      );
  }
  for (const host of w.hosts) {
    if (host.startsWith("/") && host.endsWith("/") && host.length > 1) {
      try {
        new RegExp(host.slice(1, -1));
      } catch (err) {
        throw new BrokerStartError(
          `PACT_BROKER_WEBHOOK_HOST_WHITELIST entry ${host} is not a valid regular expression: ${String(err)}`,
        );
      }
    } else if (host.includes("/") && !validCidr(host)) {
      throw new BrokerStartError(
        `PACT_BROKER_WEBHOOK_HOST_WHITELIST entry ${host} is not a valid CIDR range`,
      );
    }
  }
  return {
    schemes: w.schemes.map((s) => s.toLowerCase()),
    methods: w.methods.map((m) => m.toUpperCase()),
    hosts: w.hosts,
  };
}

/** A whitespace-separated list as the Pact Broker's image reads these settings. */
export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  return value.split(/[\s,]+/).filter(Boolean);
}

function validCidr(entry: string): boolean {
  const [addr, bits] = entry.split("/");
  const family = net.isIP(addr ?? "");
  const n = Number(bits);
  return family !== 0 && Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

function inCidr(ip: string, cidr: string): boolean {
  const [addr, bits] = cidr.split("/");
  const family = net.isIP(ip);
  if (family === 0 || family !== net.isIP(addr ?? "")) return false;
  const list = new net.BlockList();
  list.addSubnet(addr!, Number(bits), family === 4 ? "ipv4" : "ipv6");
  return list.check(ip, family === 4 ? "ipv4" : "ipv6");
}

export function hostAllowed(host: string, entries: string[]): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return entries.some((entry) => {
    if (entry.startsWith("/") && entry.endsWith("/") && entry.length > 1)
      return new RegExp(entry.slice(1, -1)).test(h);
    if (entry.includes("/")) return inCidr(h, entry);
    const e = entry.toLowerCase();
    // As certificate names match: `*.foo.com` matches `a.foo.com`, not `a.b.foo.com`.
    if (e.startsWith("*."))
      return h.endsWith(e.slice(1)) && !h.slice(0, -(e.length - 1)).includes(".") && h.length > e.length - 1;
    return h === e;
  });
}

/** Throws a 400 naming the setting when the webhook's URL or method is not allowed. */
export function checkWebhookTarget(url: string, method: string, w: WebhookWhitelist): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw BrokerValidationError.single("request.url", `'${url}' is not a valid URL`);
  }
  const scheme = parsed.protocol.replace(/:$/, "").toLowerCase();
  const reasons: Record<string, string[]> = {};
  if (!w.schemes.includes(scheme) || !CALLABLE_SCHEMES.has(scheme))
    reasons["request.url"] = [
      `scheme '${scheme}' is not allowed: allowed are ${w.schemes.join(", ")} (setting PACT_BROKER_WEBHOOK_SCHEME_WHITELIST)`,
    ];
  if (w.hosts.length > 0 && !hostAllowed(parsed.hostname, w.hosts))
    (reasons["request.url"] ??= []).push(
      `host '${parsed.hostname}' is not allowed: allowed are ${w.hosts.join(", ")} (setting PACT_BROKER_WEBHOOK_HOST_WHITELIST)`,
    );
  if (!w.methods.includes(method.toUpperCase()))
    reasons["request.method"] = [
      `HTTP method '${method}' is not allowed: allowed are ${w.methods.join(", ")} (setting PACT_BROKER_WEBHOOK_HTTP_METHOD_WHITELIST)`,
    ];
  if (Object.keys(reasons).length > 0) throw new BrokerValidationError(reasons);
}
