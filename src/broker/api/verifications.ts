/** Verification results: publishing them, and reading the latest or a numbered one. */
import { eventsForVerification, type WebhookEvent } from "../webhooks/trigger.ts";
import { z } from "zod";
import { BrokerNotFoundError } from "../errors.ts";
import { decodeMetadata } from "../urls.ts";
import { verificationResource, type HalBody } from "../hal-resources.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import {
  created,
  nonEmpty,
  ok,
  p,
  parseBody,
  type ApiHandler,
  type ApiRequest,
  type ApiResponse,
} from "./http.ts";
import { pactVersionOf } from "./pacts.ts";

const verificationSchema = z.object({
  providerApplicationVersion: nonEmpty("providerApplicationVersion"),
  success: z.boolean({ error: "success is missing or not a boolean" }),
  buildUrl: z.string().optional(),
  testResults: z.unknown().optional(),
  verifiedBy: z.unknown().optional(),
});

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function registerVerificationsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/pacticipants/:name/versions/:version/latest-verification-results", (req) =>
    latestVerificationsForConsumerVersion(ctx, req),
  );
  r.add(
    "POST",
    "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results",
    (req) => publishVerification(ctx, req),
  );
  r.add(
    "POST",
    "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata/verification-results",
    (req) => publishVerification(ctx, req),
  );
  r.add(
    "GET",
    "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results/latest",
    (req) => getLatestVerification(ctx, req),
  );
  r.add(
    "GET",
    "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results/:number",
    (req) => getVerification(ctx, req),
  );
}

function publishVerification(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(verificationSchema, req.body);
  const { consumer, provider, pv } = pactVersionOf(ctx, req);
  const metadata = req.params.metadata === undefined ? undefined : decodeMetadata(req.params.metadata);
  const events: WebhookEvent[] = [];
  const response = ctx.store.write(() => {
    const providerVersion = ctx.store.ensureVersion(
      provider.id,
      body.providerApplicationVersion,
      body.buildUrl,
    );
    const v = ctx.store.createVerification({
      pactVersionId: pv.id,
      providerVersionId: providerVersion.id,
      success: body.success,
      buildUrl: body.buildUrl ?? null,
      testResults: body.testResults as JsonValue | undefined,
      verifiedBy: body.verifiedBy as JsonValue | undefined,
      wip: metadata?.w === true,
      pending: metadata?.p ?? null,
      consumerVersionNumbers: metadata?.cv ?? [],
    });
    const resource = verificationResource(req.urls, consumer, provider, pv, providerVersion, v);
    const cv = metadata?.cv[0];
    events.push(
      ...eventsForVerification(ctx.store, req.urls, {
        consumer,
        provider,
        consumerVersion: cv === undefined ? undefined : ctx.store.findVersion(consumer.id, cv),
        providerVersion,
        pactVersion: pv,
        success: body.success,
        verificationUrl: req.urls.verification(provider.name, consumer.name, pv.sha, v.number),
        buildUrl: body.buildUrl ?? null,
      }),
    );
    // Executions are recorded in the verification's transaction; they run after the response.
    ctx.webhooks.fire(events);
    return created(
      resource,
      resource._links.self && !Array.isArray(resource._links.self) ? resource._links.self.href : undefined,
    );
  });
  return response;
}

function getLatestVerification(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const { consumer, provider, pv } = pactVersionOf(ctx, req);
  const latest = ctx.store.verificationsFor([pv.id]).get(pv.id)?.[0];
  if (!latest)
    throw new BrokerNotFoundError(
      `Pact version ${pv.sha} between ${consumer.name} and ${provider.name} has no verification results yet`,
    );
  return ok(
    verificationResource(req.urls, consumer, provider, pv, latest.providerVersion, latest.verification),
  );
}

/** The latest verification of each pact this consumer version published, and a summary per provider. */
function latestVerificationsForConsumerVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const consumer = ctx.store.getPacticipant(p(req, "name"));
  const version = ctx.store.getVersion(consumer, p(req, "version"));
  const pubs = ctx.store.publications({ consumerVersionId: version.id });
  const verifications = ctx.store.verificationsFor(pubs.map((x) => x.pactVersion.id));
  const summary = { successful: [] as string[], failed: [] as string[], unknown: [] as string[] };
  const results: HalBody[] = [];
  for (const pub of pubs) {
    const latest = verifications.get(pub.pactVersion.id)?.[0];
    if (!latest) {
      summary.unknown.push(pub.provider.name);
      continue;
    }
    (latest.verification.success === 1 ? summary.successful : summary.failed).push(pub.provider.name);
    const pv = ctx.store.pactVersionById(pub.pactVersion.id);
    results.push(
      verificationResource(req.urls, consumer, pub.provider, pv, latest.providerVersion, latest.verification),
    );
  }
  return ok({
    success: pubs.length > 0 && summary.failed.length === 0 && summary.unknown.length === 0,
    providerSummary: summary,
    _embedded: { verificationResults: results },
    _links: {
      self: {
        href: req.urls.latestVerificationsForConsumerVersion(consumer.name, version.number),
        title: "Latest verification results for consumer version",
      },
      "pb:consumer-version": {
        href: req.urls.version(consumer.name, version.number),
        title: "Consumer version",
        name: version.number,
      },
    },
  });
}

function getVerification(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const consumer = ctx.store.getPacticipant(p(req, "consumer"));
  const provider = ctx.store.getPacticipant(p(req, "provider"));
  const pv = ctx.store.findPactVersion(consumer.id, provider.id, p(req, "sha"));
  const number = Number(p(req, "number"));
  const v = pv && Number.isInteger(number) ? ctx.store.findVerification(pv.id, number) : undefined;
  if (!pv || !v)
    throw new BrokerNotFoundError(
      `No verification result ${p(req, "number")} for pact version ${p(req, "sha")} found`,
    );
  return ok(
    verificationResource(req.urls, consumer, provider, pv, ctx.store.versionById(v.provider_version_id), v),
  );
}
