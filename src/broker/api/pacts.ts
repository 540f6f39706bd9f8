/** Pacts: by consumer version, latest (optionally by tag), by content (pact version), per provider, and for verification. */
import { BrokerNotFoundError } from "../errors.ts";
import type {
  PacticipantRow,
  PactVersionRow,
  PublicationRow,
  PublicationView,
  VersionRow,
} from "../store/store.ts";
import { decodeMetadata, type BrokerUrls, type PactUrlMetadata } from "../urls.ts";
import { pactResource, type HalBody } from "../hal-resources.ts";
import { decorateVerifiablePact, parsePactsForVerificationRequest } from "../pacts-for-verification.ts";
import type { RouteTable } from "../route-table.ts";
import type { ApiContext } from "./context.ts";
import { ok, p, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";

export function registerPactsRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("GET", "/pacts/latest", (req) => latestPacts(ctx, req));
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/version/:version", (req) =>
    getPactForVersion(ctx, req),
  );
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/latest", (req) => getLatestPact(ctx, req));
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/latest/:tag", (req) => getLatestPact(ctx, req));
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha", (req) =>
    getPactVersion(ctx, req),
  );
  r.add("GET", "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata", (req) =>
    getPactVersion(ctx, req),
  );
  r.add("GET", "/pacts/provider/:provider/for-verification", (req) =>
    ok({
      _links: {
        self: {
          href: req.urls.providerPactsForVerification(p(req, "provider")),
          title: "Pacts to be verified",
        },
      },
    }),
  );
  r.add("POST", "/pacts/provider/:provider/for-verification", (req) => pactsForVerificationPost(ctx, req));
  r.add("GET", "/pacts/provider/:provider", (req) => providerPacts(ctx, req));
  r.add("GET", "/pacts/provider/:provider/tag/:tag", (req) => providerPacts(ctx, req));
  r.add("GET", "/pacts/provider/:provider/latest", (req) => latestProviderPacts(ctx, req));
  r.add("GET", "/pacts/provider/:provider/latest/:tag", (req) => latestProviderPacts(ctx, req));
}

export function pactBody(
  urls: BrokerUrls,
  consumer: PacticipantRow,
  provider: PacticipantRow,
  version: VersionRow,
  publication: PublicationRow,
  pactVersion: PactVersionRow,
  metadata?: PactUrlMetadata,
  selfHref?: string,
): HalBody {
  return pactResource(
    urls,
    consumer,
    provider,
    version,
    publication,
    pactVersion,
    selfHref ?? urls.pactForConsumerVersion(provider.name, consumer.name, version.number),
    urls.publishVerificationResults(
      provider.name,
      consumer.name,
      pactVersion.sha,
      metadata ?? { cv: [version.number] },
    ),
  );
}

/** The pact a publication (as the store lists it) carries, with its pact version's full row. */
function publishedPactBody(
  urls: BrokerUrls,
  pub: PublicationView,
  pactVersion: PactVersionRow,
  o: { metadata?: PactUrlMetadata; selfHref?: string },
): HalBody {
  const { consumer, provider, consumerVersion, publication } = pub;
  return pactBody(
    urls,
    consumer,
    provider,
    consumerVersion,
    publication,
    pactVersion,
    o.metadata,
    o.selfHref,
  );
}

function getPactForVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const consumer = ctx.store.getPacticipant(p(req, "consumer"));
  const provider = ctx.store.getPacticipant(p(req, "provider"));
  const version = ctx.store.getVersion(consumer, p(req, "version"));
  const pub = ctx.store.latestPublication(version.id, provider.id);
  if (!pub)
    throw new BrokerNotFoundError(
      `No pact between ${consumer.name} version ${version.number} and ${provider.name} found`,
    );
  return ok(
    pactBody(req.urls, consumer, provider, version, pub, ctx.store.pactVersionById(pub.pact_version_id)),
  );
}

function getLatestPact(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const consumer = ctx.store.getPacticipant(p(req, "consumer"));
  const provider = ctx.store.getPacticipant(p(req, "provider"));
  const tag = req.params.tag;
  const pub = ctx.store
    .publications({ providerId: provider.id, consumerId: consumer.id })
    .find((x) => tag === undefined || x.tags.includes(tag));
  if (!pub)
    throw new BrokerNotFoundError(
      `No ${tag ? `'${tag}' tagged ` : ""}pact between ${consumer.name} and ${provider.name} found`,
    );
  return ok(
    publishedPactBody(req.urls, pub, ctx.store.pactVersionById(pub.pactVersion.id), {
      selfHref: req.urls.latestPact(provider.name, consumer.name, tag),
    }),
  );
}

/** The consumer, provider and pact version a `/pacts/provider/P/consumer/C/pact-version/SHA...` path names. */
export function pactVersionOf(
  ctx: ApiContext,
  req: ApiRequest,
): {
  consumer: PacticipantRow;
  provider: PacticipantRow;
  pv: PactVersionRow;
} {
  const consumer = ctx.store.getPacticipant(p(req, "consumer"));
  const provider = ctx.store.getPacticipant(p(req, "provider"));
  const pv = ctx.store.findPactVersion(consumer.id, provider.id, p(req, "sha"));
  if (!pv)
    throw new BrokerNotFoundError(
      `No pact version ${p(req, "sha")} between ${consumer.name} and ${provider.name} found`,
    );
  return { consumer, provider, pv };
}

function getPactVersion(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const { consumer, provider, pv } = pactVersionOf(ctx, req);
  const metadata = req.params.metadata === undefined ? undefined : decodeMetadata(req.params.metadata);
  const pubs = ctx.store
    .publications({ providerId: provider.id, consumerId: consumer.id })
    .filter((x) => x.pactVersion.id === pv.id);
  const pub = pubs.find((x) => metadata?.cv.includes(x.consumerVersion.number)) ?? pubs[0];
  if (!pub)
    throw new BrokerNotFoundError(
      `Pact version ${pv.sha} between ${consumer.name} and ${provider.name} is not published by any consumer version`,
    );
  const self =
    req.params.metadata === undefined
      ? req.urls.pactVersion(provider.name, consumer.name, pv.sha)
      : `${req.urls.pactVersion(provider.name, consumer.name, pv.sha)}/metadata/${req.params.metadata}`;
  return ok(
    publishedPactBody(req.urls, pub, pv, {
      metadata: metadata ?? { cv: [pub.consumerVersion.number] },
      selfHref: self,
    }),
  );
}

function latestPacts(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const seen = new Set<string>();
  const pacts = ctx.store
    .publications()
    .filter((x) => {
      const key = `${x.consumer.id}:${x.provider.id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((x) => ({
      createdAt: x.publication.created_at,
      _embedded: {
        consumer: {
          name: x.consumer.name,
          _links: { self: { href: req.urls.pacticipant(x.consumer.name) } },
          _embedded: { version: { number: x.consumerVersion.number } },
        },
        provider: {
          name: x.provider.name,
          _links: { self: { href: req.urls.pacticipant(x.provider.name) } },
        },
      },
      _links: {
        self: [
          { href: req.urls.latestPact(x.provider.name, x.consumer.name) },
          {
            href: req.urls.pactForConsumerVersion(x.provider.name, x.consumer.name, x.consumerVersion.number),
          },
        ],
      },
    }));
  return ok({ pacts, _links: { self: { href: `${req.urls.base}/pacts/latest` } } });
}

function latestProviderPacts(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const tag = req.params.tag;
  const seen = new Set<number>();
  return providerPactList(
    ctx,
    req,
    (x) =>
      (tag === undefined || x.tags.includes(tag)) && !seen.has(x.consumer.id) && !!seen.add(x.consumer.id),
    (provider) => req.urls.latestProviderPacts(provider, tag),
  );
}

/** Every pact version of the provider: the latest revision of each consumer version's pact. */
function providerPacts(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const tag = req.params.tag;
  return providerPactList(
    ctx,
    req,
    (x) => tag === undefined || x.tags.includes(tag),
    (provider) => req.urls.providerPacts(provider, tag),
  );
}

function providerPactList(
  ctx: ApiContext,
  req: ApiRequest,
  keep: (x: PublicationView) => boolean,
  self: (provider: string) => string,
): ApiResponse {
  const provider = ctx.store.getPacticipant(p(req, "provider"));
  const links = ctx.store
    .publications({ providerId: provider.id })
    .filter(keep)
    .map((x) => ({
      href: req.urls.pactForConsumerVersion(provider.name, x.consumer.name, x.consumerVersion.number),
      title: `Pact between ${x.consumer.name} (${x.consumerVersion.number}) and ${provider.name}`,
      name: x.consumer.name,
    }));
  return ok({
    _links: {
      self: { href: self(provider.name) },
      provider: { href: req.urls.pacticipant(provider.name), title: provider.name },
      "pb:pacts": links,
      pacts: links,
    },
  });
}

function pactsForVerificationPost(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const request = parsePactsForVerificationRequest(req.body);
  const provider = ctx.store.findPacticipant(p(req, "provider"));
  const pacts = provider ? ctx.pactsForVerification.find(provider, request).pacts : [];
  const providerName = provider?.name ?? p(req, "provider");
  return ok({
    _embedded: { pacts: pacts.map((x) => decorateVerifiablePact(x, req.urls, providerName, request)) },
    _links: {
      self: { href: req.urls.providerPactsForVerification(providerName), title: "Pacts to be verified" },
    },
  });
}
