/** A webhook as the Pact Broker's API takes it (what `pact broker create-webhook` sends). */
import { z } from "zod";
import { WEBHOOK_EVENTS } from "./trigger.ts";

export const webhookSchema = z.object({
  description: z.string().optional(),
  consumer: z.object({ name: z.string().min(1) }).optional(),
  provider: z.object({ name: z.string().min(1) }).optional(),
  enabled: z.boolean().optional(),
  events: z
    .array(
      z.object({
        name: z.enum(WEBHOOK_EVENTS, { error: `events[].name must be one of ${WEBHOOK_EVENTS.join(", ")}` }),
      }),
    )
    .min(1, "events must name at least one event"),
  request: z.object({
    method: z.string({ error: "request.method is missing" }).min(1),
    url: z.string({ error: "request.url is missing" }).min(1),
    // A map, or (older pact CLIs) a list of "Name: value" strings.
    headers: z
      .union([z.record(z.string(), z.string()), z.array(z.string())], {
        error:
          'request.headers must be an object of header names to values, or a list of "Name: value" strings',
      })
      .optional(),
    body: z.unknown().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
  }),
});

export type WebhookDefinition = z.infer<typeof webhookSchema>;
export type WebhookRequest = WebhookDefinition["request"];

/** The request's headers as a map, whichever form they were given in. */
export function requestHeaders(request: WebhookRequest): Record<string, string> {
  const h = request.headers;
  if (!h) return {};
  if (!Array.isArray(h)) return h;
  const out: Record<string, string> = {};
  for (const line of h) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}
