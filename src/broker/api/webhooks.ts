/**
 * Webhook resources as the pact CLI and the Pact Broker's documentation use them:
 * - `POST /webhooks` (and `/webhooks/provider/P/consumer/C`, `/webhooks/provider/P`,
 *   `/webhooks/consumer/C`, `/pacts/provider/P/consumer/C/webhooks`), and `GET` on each: a list;
 * - `PUT /webhooks/:uuid` (`create-or-update-webhook`), `GET`/`DELETE /webhooks/:uuid`;
 * - `POST /webhooks/:uuid/execute` (`test-webhook`): runs it now with the latest matching pact;
 * - executions ("triggered webhooks"): `/webhooks/:uuid/executions`,
 *   `/pacts/provider/P/consumer/C/webhooks/status`, `/pacts/provider/P/consumer/C/version/V/triggered-webhooks`,
 *   and each one's log at `/triggered-webhooks/:uuid/logs` (text/plain).
 */
import { BrokerNotFoundError, BrokerValidationError } from "../errors.ts";
import type { RouteTable } from "../route-table.ts";
import type { BrokerUrls } from "../urls.ts";
import { webhookSchema, type WebhookDefinition, type WebhookRequest } from "../webhooks/model.ts";
import { verificationStatuses, type WebhookTemplateValues } from "../webhooks/render.ts";
import { WebhookService } from "../webhooks/service.ts";
import type { WebhookExecutionRow, WebhookRow } from "../store/webhooks.ts";
import type { ApiContext } from "./context.ts";
import { created, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

const UUID = /^[A-Za-z0-9_-]{8,64}$/;
interface Scope {
  provider?: string;
  consumer?: string;
}

export function registerWebhooksRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  const collection = (path: string, scope: (req: ApiRequest) => Scope): void => {
    const self = (req: ApiRequest) =>
      req.urls.base + path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(p(req, name)));
    r.add("GET", path, (req) => listWebhooks(ctx, req, scope(req), self(req)));
    r.add("POST", path, (req) => createWebhook(ctx, req, scope(req)));
  };
  collection("/webhooks", () => ({}));
  collection("/webhooks/provider/:provider/consumer/:consumer", (req) => ({
    provider: p(req, "provider"),
    consumer: p(req, "consumer"),
  }));
  collection("/webhooks/provider/:provider", (req) => ({ provider: p(req, "provider") }));
  collection("/webhooks/consumer/:consumer", (req) => ({ consumer: p(req, "consumer") }));
  collection("/pacts/provider/:provider/consumer/:consumer/webhooks", (req) => ({
    provider: p(req, "provider"),
    consumer: p(req, "consumer"),
  }));
  r.add("GET", "/webhooks/:uuid", (req) => ok(webhookResource(req.urls, findWebhook(ctx, req))));
  r.add("PUT", "/webhooks/:uuid", (req) => putWebhook(ctx, req));
  r.add("DELETE", "/webhooks/:uuid", (req) => {
    const hook = findWebhook(ctx, req);
    ctx.store.webhooks.deleteWebhook(hook.uuid);
    return { status: 204 };
  });
  r.add("POST", "/webhooks/:uuid/execute", (req) => executeWebhook(ctx, req));
  r.add("GET", "/webhooks/:uuid/executions", (req) => {
    const hook = findWebhook(ctx, req);
    return ok(
      triggered(
        req.urls,
        ctx.store.webhooks.executionsOf(hook.uuid),
        `${webhookUrl(req.urls, hook.uuid)}/executions`,
      ),
    );
  });
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/webhooks/status", (req) =>
    webhooksStatus(ctx, req),
  );
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/version/:version/triggered-webhooks", (req) => {
    const rows = ctx.store.webhooks.executionsForPact(
      p(req, "provider"),
      p(req, "consumer"),
      p(req, "version"),
    );
    return ok(
      triggered(
        req.urls,
        rows,
        `${req.urls.pactForConsumerVersion(p(req, "provider"), p(req, "consumer"), p(req, "version"))}/triggered-webhooks`,
      ),
    );
  });
  r.add("GET", "/triggered-webhooks/:uuid/logs", (req) => {
    const row = ctx.store.webhooks.findExecution(p(req, "uuid"));
    if (!row) throw new BrokerNotFoundError(`No triggered webhook with uuid ${p(req, "uuid")}`);
    return { status: 200, body: row.logs, headers: { "Content-Type": "text/plain;charset=utf-8" } };
  });
}

const webhookUrl = (urls: BrokerUrls, uuid: string) => `${urls.base}/webhooks/${encodeURIComponent(uuid)}`;

function findWebhook(ctx: ApiContext, req: ApiRequest): WebhookRow {
  const uuid = p(req, "uuid");
  const row = ctx.store.webhooks.findWebhook(uuid);
  if (!row) throw new BrokerNotFoundError(`No webhook with uuid ${uuid}`);
  return row;
}

function titleOf(row: WebhookRow): string {
  if (row.description) return row.description;
  const request = JSON.parse(row.request) as WebhookRequest;
  try {
    return `${request.method.toUpperCase()} ${new URL(request.url.replace(/\$\{[^}]*\}/g, "x")).host}`;
  } catch {
    return "Webhook";
  }
}

function webhookResource(urls: BrokerUrls, row: WebhookRow): Record<string, unknown> {
  const self = webhookUrl(urls, row.uuid);
  const c = row.consumer_name;
  const pr = row.provider_name;
  return {
    ...WebhookService.shown(row),
    _links: {
      self: { href: self, title: titleOf(row) },
      "pb:execute": {
        href: `${self}/execute`,
        title:
          "Test the execution of the webhook with the latest matching pact or verification by sending a POST request to this URL",
      },
      "pb:executions": { href: `${self}/executions`, title: "Executions of this webhook" },
      ...(c ? { "pb:consumer": { href: urls.pacticipant(c), title: "Consumer", name: c } } : {}),
      ...(pr ? { "pb:provider": { href: urls.pacticipant(pr), title: "Provider", name: pr } } : {}),
      ...(c && pr
        ? {
            "pb:pact-webhooks": {
              href: `${urls.base}/webhooks/provider/${encodeURIComponent(pr)}/consumer/${encodeURIComponent(c)}`,
              title: `All webhooks for consumer ${c} and provider ${pr}`,
            },
          }
        : {}),
      "pb:webhooks": { href: `${urls.base}/webhooks`, title: "All webhooks" },
    },
  };
}

/** One execution as the Pact Broker shows a triggered webhook. */
function triggeredResource(
  urls: BrokerUrls,
  row: WebhookExecutionRow,
  retries: number,
): Record<string, unknown> {
  const hook = webhookUrl(urls, row.webhook_uuid);
  return {
    uuid: row.uuid,
    status: row.status,
    attemptsMade: row.attempts,
    attemptsRemaining: row.status === "retrying" ? Math.max(0, retries + 1 - row.attempts) : 0,
    triggerType: "resource_creation",
    eventName: row.event_name,
    consumerName: row.consumer_name,
    providerName: row.provider_name,
    consumerVersionNumber: row.consumer_version,
    triggeredAt: row.created_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    _links: {
      "pb:logs": {
        href: `${urls.base}/triggered-webhooks/${row.uuid}/logs`,
        title: "Webhook execution logs",
      },
      "pb:webhook": { href: hook, title: "Webhook" },
    },
  };
}

function triggered(
  urls: BrokerUrls,
  rows: WebhookExecutionRow[],
  self: string,
  retries = 6,
): Record<string, unknown> {
  return {
    _embedded: { triggeredWebhooks: rows.map((e) => triggeredResource(urls, e, retries)) },
    _links: { self: { href: self, title: "Triggered webhooks" } },
  };
}

function webhooksStatus(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const provider = p(req, "provider");
  const consumer = p(req, "consumer");
  const rows = ctx.store.webhooks.executionsForPact(provider, consumer);
  const count = (s: WebhookExecutionRow["status"]) => rows.filter((r) => r.status === s).length;
  const pact = `${req.urls.base}/pacts/provider/${encodeURIComponent(provider)}/consumer/${encodeURIComponent(consumer)}`;
  const base = triggered(req.urls, rows, `${pact}/webhooks/status`);
  return ok({
    summary: {
      successful: count("success"),
      failed: count("failure"),
      retrying: count("retrying"),
      notRun: count("not_run"),
    },
    ...base,
    _links: {
      self: { href: (base._links as { self: { href: string } }).self.href, title: "Webhooks status" },
      "pb:error-logs": rows
        .filter((r) => r.status === "failure")
        .map((r) => ({ href: `${req.urls.base}/triggered-webhooks/${r.uuid}/logs`, title: "Error logs" })),
      "pb:pact-webhooks": {
        href: `${pact}/webhooks`,
        title: `Webhooks for the pact between ${consumer} and ${provider}`,
      },
      "pb:consumer": { href: req.urls.pacticipant(consumer), title: "Consumer", name: consumer },
      "pb:provider": { href: req.urls.pacticipant(provider), title: "Provider", name: provider },
    },
  });
}

function listWebhooks(ctx: ApiContext, req: ApiRequest, scope: Scope, self: string): ApiResponse {
  const rows = ctx.store.webhooks
    .listWebhooks()
    .filter(
      (w) =>
        (scope.provider === undefined || w.provider_name === scope.provider) &&
        (scope.consumer === undefined || w.consumer_name === scope.consumer),
    );
  return ok({
    _embedded: { webhooks: rows.map((r) => webhookResource(req.urls, r)) },
    _links: {
      self: { href: self, title: "Webhooks" },
      "pb:create": { href: self, title: "POST to create a webhook" },
      "pb:webhooks": rows.map((r) => ({
        href: webhookUrl(req.urls, r.uuid),
        title: titleOf(r),
        name: titleOf(r),
      })),
    },
  });
}

function definition(req: ApiRequest, scope: Scope): WebhookDefinition {
  const def = parseBody(webhookSchema, req.body);
  return {
    ...def,
    ...(scope.provider ? { provider: { name: scope.provider } } : {}),
    ...(scope.consumer ? { consumer: { name: scope.consumer } } : {}),
  };
}

function createWebhook(ctx: ApiContext, req: ApiRequest, scope: Scope): ApiResponse {
  const { row } = ctx.webhooks.save(definition(req, scope));
  return created(webhookResource(req.urls, row) as never, webhookUrl(req.urls, row.uuid));
}

function putWebhook(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const uuid = p(req, "uuid");
  if (!UUID.test(uuid) || uuid === "provider" || uuid === "consumer")
    throw BrokerValidationError.single(
      "uuid",
      "must be 8 to 64 letters, digits, '-' or '_' (pact broker generate-uuid makes one)",
    );
  const { row, created: isNew } = ctx.webhooks.save(definition(req, {}), uuid);
  return { status: isNew ? 201 : 200, body: webhookResource(req.urls, row) };
}

/** Values from the latest pact the webhook would fire for, or placeholders when there is none. */
function exampleValues(ctx: ApiContext, req: ApiRequest, row: WebhookRow): WebhookTemplateValues {
  const provider = row.provider_name ? ctx.store.findPacticipant(row.provider_name) : undefined;
  const consumer = row.consumer_name ? ctx.store.findPacticipant(row.consumer_name) : undefined;
  const pub = ctx.store
    .publications({
      ...(provider ? { providerId: provider.id } : {}),
      ...(consumer ? { consumerId: consumer.id } : {}),
    })
    .sort((a, b) => b.publication.id - a.publication.id)[0];
  const consumerName = pub?.consumer.name ?? row.consumer_name ?? "example-consumer";
  const providerName = pub?.provider.name ?? row.provider_name ?? "example-provider";
  return {
    pactUrl: pub
      ? req.urls.pactVersion(providerName, consumerName, pub.pactVersion.sha)
      : req.urls.pactForConsumerVersion(providerName, consumerName, "1"),
    verificationResultUrl: "",
    consumerVersionNumber: pub?.consumerVersion.number ?? "1",
    consumerVersionTags: pub ? pub.tags.join(", ") : "",
    consumerVersionBranch: pub ? pub.branches.join(", ") : "main",
    consumerName,
    consumerLabels: "",
    providerVersionNumber: "",
    providerVersionTags: "",
    providerVersionBranch: provider?.main_branch ?? "",
    providerName,
    providerLabels: "",
    ...verificationStatuses(undefined),
    buildUrl: pub?.consumerVersion.build_url ?? "",
    eventName: "test",
    currentlyDeployedProviderVersionNumber: "",
  };
}

async function executeWebhook(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const row = findWebhook(ctx, req);
  const request = JSON.parse(row.request) as WebhookRequest;
  const result = await ctx.webhooks.executor.attempt(request, exampleValues(ctx, req, row));
  return ok({
    request: result.request,
    ...(result.response ? { response: result.response } : {}),
    logs: result.log,
    success: result.success,
    _links: { "pb:webhook": { href: webhookUrl(req.urls, row.uuid), title: titleOf(row) } },
  });
}
