/**
 * What every handler of the broker's HAL API shares: the request a route hands it, the response it
 * returns, and the helpers that read route parameters and validate bodies. Handlers are synchronous
 * (better-sqlite3 is) and throw the typed errors in ../errors.ts, which the server turns into JSON.
 */
import { z } from "zod";
import { BrokerValidationError, type ValidationErrors } from "../errors.ts";
import type { HalBody } from "../hal-resources.ts";
import type { BrokerUrls } from "../urls.ts";

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  urls: BrokerUrls;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Synchronous, except the few that call out (a webhook test). */
export type ApiHandler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export const ok = (body: unknown): ApiResponse => ({ status: 200, body });
export const created = (body: HalBody, location?: string): ApiResponse => ({
  status: 201,
  body,
  headers: location ? { Location: location } : undefined,
});

export function p(req: ApiRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw new Error(`route parameter ${name} missing`);
  return v;
}

function zodErrors(error: z.ZodError): ValidationErrors {
  const errors: ValidationErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "body";
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined) throw BrokerValidationError.single("body", "a JSON request body is required");
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new BrokerValidationError(zodErrors(parsed.error));
  return parsed.data;
}

/** A required string field: trimmed, not blank; the error names the field. */
export const nonEmpty = (field: string) =>
  z
    .string({ error: `${field} is missing or not a string` })
    .trim()
    .min(1, `${field} cannot be blank`);
