/** Webhooks as a whole: define them (checked against the whitelist), show them redacted, fire them. */
import { randomUUID } from "node:crypto";
import type { BrokerLogger } from "../server.ts";
import type { WebhookRow, WebhookStore } from "../store/webhooks.ts";
import { WebhookExecutor, type WebhookExecutionOptions } from "./executions.ts";
import { requestHeaders, type WebhookDefinition, type WebhookRequest } from "./model.ts";
import { BrokerValidationError } from "../errors.ts";
import { REDACTED, redactHeaders } from "./redact.ts";
import type { WebhookEvent } from "./trigger.ts";
import {
  checkWebhookTarget,
  DEFAULT_WHITELIST,
  validateWhitelist,
  type WebhookWhitelist,
} from "./whitelist.ts";

export interface WebhookSettings extends WebhookExecutionOptions {
  whitelist?: Partial<WebhookWhitelist>;
}

export class WebhookService {
  readonly whitelist: WebhookWhitelist;
  readonly executor: WebhookExecutor;

  constructor(
    private readonly store: WebhookStore,
    settings: WebhookSettings = {},
    logger?: BrokerLogger,
  ) {
    this.whitelist = validateWhitelist({ ...DEFAULT_WHITELIST, ...settings.whitelist });
    this.executor = new WebhookExecutor(store, this.whitelist, settings, logger);
  }

  save(def: WebhookDefinition, uuid: string = randomUUID()): { row: WebhookRow; created: boolean } {
    checkWebhookTarget(
      def.request.url.replace(/\$\{pactbroker\.[A-Za-z]+\}/g, "x"),
      def.request.method,
      this.whitelist,
    );
    return this.store.upsertWebhook({
      uuid,
      description: def.description ?? null,
      consumer_name: def.consumer?.name ?? null,
      provider_name: def.provider?.name ?? null,
      events: JSON.stringify(def.events.map((e) => e.name)),
      request: JSON.stringify(normalisedRequest(def.request)),
      enabled: def.enabled === false ? 0 : 1,
    });
  }

  /** The stored definition, with secret headers and the password replaced. */
  static shown(row: WebhookRow): Record<string, unknown> {
    const request = JSON.parse(row.request) as WebhookDefinition["request"];
    return {
      uuid: row.uuid,
      description: row.description ?? undefined,
      ...(row.consumer_name ? { consumer: { name: row.consumer_name } } : {}),
      ...(row.provider_name ? { provider: { name: row.provider_name } } : {}),
      enabled: row.enabled === 1,
      events: (JSON.parse(row.events) as string[]).map((name) => ({ name })),
      request: {
        method: request.method,
        url: request.url,
        headers: redactHeaders(requestHeaders(request)),
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.username !== undefined ? { username: request.username } : {}),
        ...(request.password !== undefined ? { password: REDACTED } : {}),
      },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Queues an execution of every enabled webhook listening to the event and matching its pacticipants. */
  fire(events: WebhookEvent[]): string[] {
    if (events.length === 0) return [];
    const hooks = this.store.listWebhooks().filter((w) => w.enabled === 1);
    const started: string[] = [];
    for (const event of events) {
      for (const hook of hooks) {
        if (!(JSON.parse(hook.events) as string[]).includes(event.name)) continue;
        if (hook.consumer_name && hook.consumer_name !== event.consumer) continue;
        if (hook.provider_name && hook.provider_name !== event.provider) continue;
        started.push(this.executor.enqueue(hook.uuid, event, JSON.parse(hook.request) as WebhookRequest));
      }
    }
    return started;
  }
}

/** Headers as a map, no null body: the form stored and shown. */
function normalisedRequest(request: WebhookRequest): WebhookRequest {
  if (Array.isArray(request.headers)) {
    const bad = request.headers.find((h) => h.indexOf(":") <= 0);
    if (bad !== undefined)
      throw BrokerValidationError.single("request.headers", `'${bad}' is not a "Name: value" header`);
  }
  const { body, ...rest } = request;
  return {
    ...rest,
    headers: requestHeaders(request),
    ...(body === null || body === undefined ? {} : { body }),
  };
}
