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

  /** The enabled webhooks, parsed once: read them once per request and give them to `wanted` and `fire`. */
  enabled(): EnabledWebhook[] {
    return this.store
      .listWebhooks()
      .filter((w) => w.enabled === 1)
      .map((w) => ({
        uuid: w.uuid,
        consumer: w.consumer_name,
        provider: w.provider_name,
        events: new Set(JSON.parse(w.events) as string[]),
        request: JSON.parse(w.request) as WebhookRequest,
      }));
  }

  /** The events some of `hooks` listen to for this consumer and provider (no other need computing). */
  static wanted(hooks: EnabledWebhook[], consumer: string, provider: string): Set<string> {
    const names = new Set<string>();
    for (const hook of hooks)
      if (matches(hook, consumer, provider)) for (const name of hook.events) names.add(name);
    return names;
  }

  /** Queues an execution of every enabled webhook listening to the event and matching its pacticipants. */
  fire(events: WebhookEvent[], hooks: EnabledWebhook[] = events.length > 0 ? this.enabled() : []): string[] {
    const started: string[] = [];
    for (const event of events) {
      for (const hook of hooks) {
        if (!hook.events.has(event.name) || !matches(hook, event.consumer, event.provider)) continue;
        started.push(this.executor.enqueue(hook.uuid, event, hook.request));
      }
    }
    return started;
  }
}

export interface EnabledWebhook {
  uuid: string;
  consumer: string | null;
  provider: string | null;
  events: Set<string>;
  request: WebhookRequest;
}

function matches(hook: EnabledWebhook, consumer: string, provider: string): boolean {
  return (!hook.consumer || hook.consumer === consumer) && (!hook.provider || hook.provider === provider);
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
