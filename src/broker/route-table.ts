/**
 * A tiny route table for node:http: patterns like `/pacticipants/:name/versions/:version`, matched
 * segment by segment on the raw path (each segment URL-decoded), so names with `/` encoded as
 * `%2F` stay one segment.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteMatch<H> {
  handler: H;
  /** The pattern that matched, e.g. `/pacticipants/:name`. */
  pattern: string;
  params: Record<string, string>;
}

interface Route<H> {
  method: HttpMethod;
  pattern: string;
  segments: string[];
  handler: H;
}

export type RouteLookup<H> =
  | { kind: "found"; match: RouteMatch<H> }
  | { kind: "method-not-allowed"; allowed: HttpMethod[] }
  | { kind: "not-found" };

export function splitPath(rawPath: string): string[] | undefined {
  const trimmed = rawPath.replace(/\/+$/, "");
  if (trimmed === "") return [];
  try {
    return trimmed
      .split("/")
      .slice(1)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

export class RouteTable<H> {
  private readonly routes: Route<H>[] = [];

  add(method: HttpMethod, pattern: string, handler: H): this {
    this.routes.push({ method, pattern, segments: splitPath(pattern) ?? [], handler });
    return this;
  }

  lookup(method: string, rawPath: string): RouteLookup<H> {
    const segments = splitPath(rawPath);
    if (segments === undefined) return { kind: "not-found" };
    const allowed: HttpMethod[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (!params) continue;
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { kind: "found", match: { handler: route.handler, pattern: route.pattern, params } };
      }
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: "method-not-allowed", allowed } : { kind: "not-found" };
  }
}

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(":")) {
      if (s === "") return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}
