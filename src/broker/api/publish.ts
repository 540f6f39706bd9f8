/** Publishing pacts: `POST /contracts/publish` (what the pact CLI sends) and the legacy `PUT` of one pact. */
import { z } from "zod";
import { BrokerConflictError, BrokerContractConflictError, BrokerValidationError } from "../errors.ts";
import { pactContentSha, type PacticipantRow, type VersionRow } from "../store/store.ts";
import type { RouteTable } from "../route-table.ts";
import { addBranch, type ApiContext } from "./context.ts";
import { nonEmpty, ok, p, parseBody, type ApiHandler, type ApiRequest, type ApiResponse } from "./http.ts";
import { pactBody } from "./pacts.ts";
import { eventsForPublication, previousShas, type WebhookEvent } from "../webhooks/trigger.ts";
import { WebhookService } from "../webhooks/service.ts";

const publishSchema = z.object({
  pacticipantName: nonEmpty("pacticipantName"),
  pacticipantVersionNumber: nonEmpty("pacticipantVersionNumber"),
  branch: z.string().trim().min(1, "branch cannot be blank").optional(),
  tags: z.array(z.string().trim().min(1, "tags cannot contain a blank tag")).optional(),
  buildUrl: z.string().optional(),
  contracts: z
    .array(
      z.object({
        consumerName: nonEmpty("consumerName"),
        providerName: nonEmpty("providerName"),
        specification: z.literal("pact", { error: "specification must be 'pact'" }),
        contentType: z.string().refine((s) => s.split(";")[0]?.trim() === "application/json", {
          message: "contentType must be application/json",
        }),
        content: z.string({ error: "content is missing or not a string" }).min(1, "content cannot be blank"),
        onConflict: z.enum(["overwrite", "merge"]).optional(),
      }),
      { error: "contracts is missing or not an array" },
    )
    .min(1, "contracts must contain at least one contract"),
});

/** Decodes a base64 pact; throws a validation error naming the contract when it is not a JSON pact. */
function decodePactContent(
  content: string,
  index: number,
  consumerName: string,
  providerName: string,
): Record<string, unknown> {
  const field = `contracts[${index}].content`;
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(content))
    throw BrokerValidationError.single(field, "is not valid base64");
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(content, "base64").toString("utf8"));
  } catch {
    throw BrokerValidationError.single(
      field,
      "is not a base64 encoded JSON pact (the decoded content is not JSON)",
    );
  }
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
    throw BrokerValidationError.single(
      field,
      "is not a base64 encoded JSON pact (the decoded content is not a JSON object)",
    );
  }
  const pact = decoded as Record<string, unknown>;
  const name = (x: unknown): unknown =>
    x && typeof x === "object" ? (x as Record<string, unknown>).name : undefined;
  const reasons: string[] = [];
  if (name(pact.consumer) !== consumerName) {
    reasons.push(
      `consumer name in the pact ('${String(name(pact.consumer))}') does not match consumerName '${consumerName}'`,
    );
  }
  if (name(pact.provider) !== providerName) {
    reasons.push(
      `provider name in the pact ('${String(name(pact.provider))}') does not match providerName '${providerName}'`,
    );
  }
  if (!Array.isArray(pact.interactions) && !Array.isArray(pact.messages)) {
    reasons.push("the pact has neither an interactions nor a messages array");
  }
  if (reasons.length > 0) throw new BrokerValidationError({ [field]: reasons });
  return pact;
}

export function registerPublishRoutes(r: RouteTable<ApiHandler>, ctx: ApiContext): void {
  r.add("POST", "/contracts/publish", (req) => publishContracts(ctx, req));
  r.add("PUT", "/pacts/provider/:provider/consumer/:consumer/version/:version", (req) => putPact(ctx, req));
}

/**
 * Why publishing `content` under this consumer version (as read in this transaction) would modify
 * its pact, or undefined when it would not.
 */
function modification(
  ctx: ApiContext,
  consumer: PacticipantRow | undefined,
  version: VersionRow | undefined,
  versionNumber: string,
  providerName: string,
  content: Record<string, unknown>,
): string | undefined {
  if (ctx.behaviour.allowDangerousContractModification || !consumer || !version) return undefined;
  const provider = ctx.store.findPacticipant(providerName);
  if (!provider) return undefined;
  const existing = ctx.store.latestPublication(version.id, provider.id);
  if (!existing) return undefined;
  if (ctx.store.pactVersionById(existing.pact_version_id).sha === pactContentSha(content)) return undefined;
  return (
    `Cannot change the content of the pact for ${consumer.name} version ${versionNumber} and provider ${provider.name}, ` +
    "as race conditions will cause unreliable results for can-i-deploy. Each pact must be published with a unique " +
    "consumer version number (e.g. the git commit). Some Pact libraries generate random data when a concrete value " +
    "for a type matcher is not given, which makes the contract change: give example values for every matcher. " +
    "(The broker accepts it only when started with --allow-dangerous-contract-modification.)"
  );
}

/** The consumer and its version as they are before a publication writes anything. */
function consumerVersionBefore(
  ctx: ApiContext,
  consumerName: string,
  number: string,
): { consumer: PacticipantRow | undefined; version: VersionRow | undefined } {
  const consumer = ctx.store.findPacticipant(consumerName);
  return { consumer, version: consumer ? ctx.store.findVersion(consumer.id, number) : undefined };
}

function publishContracts(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const body = parseBody(publishSchema, req.body);
  const decoded = body.contracts.map((c, i) => {
    if (c.consumerName !== body.pacticipantName) {
      throw BrokerValidationError.single(
        `contracts[${i}].consumerName`,
        `must match pacticipantName '${body.pacticipantName}' (got '${c.consumerName}')`,
      );
    }
    return { contract: c, content: decodePactContent(c.content, i, c.consumerName, c.providerName) };
  });

  const urls = req.urls;
  const events: WebhookEvent[] = [];
  const response = ctx.store.write(() => {
    const before = consumerVersionBefore(ctx, body.pacticipantName, body.pacticipantVersionNumber);
    const existingVersion = before.version;
    // As the Pact Broker: conflicts are checked before anything (version, branch, tags) is written.
    const conflicts = decoded
      .map(({ contract, content }) =>
        modification(
          ctx,
          before.consumer,
          existingVersion,
          body.pacticipantVersionNumber,
          contract.providerName,
          content,
        ),
      )
      .filter((x): x is string => x !== undefined);
    if (conflicts.length > 0) throw new BrokerContractConflictError(conflicts);
    const consumer = before.consumer ?? ctx.store.createPacticipant({ name: body.pacticipantName });
    const version = ctx.store.ensureVersion(
      consumer.id,
      body.pacticipantVersionNumber,
      body.buildUrl,
      existingVersion ?? null,
    );
    if (body.branch) addBranch(ctx, consumer.id, body.branch, version.id, consumer.main_branch);
    const hooks = ctx.webhooks.enabled();
    for (const tag of body.tags ?? []) ctx.store.addTag(version.id, tag);

    const describeExtras = (): string => {
      const parts: string[] = [];
      if (body.branch) parts.push(`branch ${body.branch}`);
      const tags = body.tags ?? [];
      if (tags.length > 0) parts.push(`${tags.length === 1 ? "tag" : "tags"} ${tags.join(", ")}`);
      return parts.length > 0 ? ` with ${parts.join(" and ")}` : "";
    };
    const notices: { type: string; text: string }[] = [
      {
        type: "success",
        text: `${existingVersion ? "Updated" : "Created"} ${consumer.name} version ${version.number}${describeExtras()}`,
      },
    ];
    const contractLinks: { href: string; name: string; title: string }[] = [];
    for (const { contract, content } of decoded) {
      const provider = ctx.store.ensurePacticipant(contract.providerName);
      const wanted = WebhookService.wanted(hooks, consumer.name, provider.name);
      // A provider created just now has no pacts: its shas are all undefined, as with none found.
      const shas = wanted.has("contract_content_changed")
        ? previousShas(ctx.store, consumer, provider, { branch: body.branch, tags: body.tags ?? [] })
        : [];
      const result = ctx.store.publishPact({
        consumerVersion: version,
        provider,
        content,
        merge: contract.onConflict === "merge",
      });
      events.push(
        ...eventsForPublication(
          ctx.store,
          urls,
          {
            consumer,
            provider,
            consumerVersion: version,
            pactVersion: result.pactVersion,
            previousShas: shas,
          },
          wanted,
        ),
      );
      const pactUrl = urls.pactForConsumerVersion(provider.name, consumer.name, version.number);
      if (result.created) {
        notices.push({
          type: "success",
          text: `Pact successfully published for ${consumer.name} version ${version.number} and provider ${provider.name}.`,
        });
      } else if (result.contentChanged) {
        notices.push({
          type: "warning",
          text: `Pact with changed content published over existing content for ${consumer.name} version ${version.number} and provider ${provider.name}. This is not recommended in normal circumstances and may indicate that you have not configured your Pact pipeline correctly.`,
        });
      } else {
        notices.push({
          type: "success",
          text: `Pact with same content published over existing content for ${consumer.name} version ${version.number} and provider ${provider.name}.`,
        });
      }
      notices.push({ type: "info", text: `  View the published pact at ${pactUrl}` });
      contractLinks.push({
        href: pactUrl,
        name: `Pact between ${consumer.name} (${version.number}) and ${provider.name}`,
        title: "Pact",
      });
    }
    const tagLinks = (body.tags ?? []).map((t) => ({
      href: urls.tag(consumer.name, version.number, t),
      name: t,
      title: "Tag",
    }));
    const responseBody = {
      notices,
      logs: notices.map((n) => ({
        level: n.type === "warning" ? "warn" : "info",
        message: n.text,
        deprecationWarning: "Replaced by notices",
      })),
      _embedded: {
        pacticipant: { name: consumer.name, _links: { self: { href: urls.pacticipant(consumer.name) } } },
        version: {
          number: version.number,
          buildUrl: version.build_url,
          _links: {
            self: {
              href: urls.version(consumer.name, version.number),
              name: version.number,
              title: "Version",
            },
          },
        },
      },
      _links: {
        "pb:pacticipant": {
          href: urls.pacticipant(consumer.name),
          name: consumer.name,
          title: "Pacticipant",
        },
        "pb:pacticipant-version": {
          href: urls.version(consumer.name, version.number),
          name: version.number,
          title: "Pacticipant version",
        },
        "pb:pacticipant-version-tags": tagLinks,
        "pb:contracts": contractLinks,
      },
    };
    // Executions are recorded in the publication's transaction; they run after the response.
    ctx.webhooks.fire(events, hooks);
    return ok(responseBody);
  });
  return response;
}

/** Legacy `PUT /pacts/provider/P/consumer/C/version/V` publishing (older clients). */
function putPact(ctx: ApiContext, req: ApiRequest): ApiResponse {
  const consumerName = p(req, "consumer");
  const providerName = p(req, "provider");
  const number = p(req, "version");
  if (
    req.body === undefined ||
    req.body === null ||
    typeof req.body !== "object" ||
    Array.isArray(req.body)
  ) {
    throw BrokerValidationError.single("body", "the request body must be a JSON pact");
  }
  const encoded = Buffer.from(JSON.stringify(req.body), "utf8").toString("base64");
  const content = decodePactContent(encoded, 0, consumerName, providerName);
  const events: WebhookEvent[] = [];
  const response = ctx.store.write(() => {
    const found = consumerVersionBefore(ctx, consumerName, number);
    const conflict = modification(ctx, found.consumer, found.version, number, providerName, content);
    if (conflict) throw new BrokerConflictError(conflict);
    const consumer = found.consumer ?? ctx.store.createPacticipant({ name: consumerName });
    const provider = ctx.store.ensurePacticipant(providerName);
    const version = ctx.store.ensureVersion(consumer.id, number, undefined, found.version ?? null);
    // The old flow tags a version before publishing its pact: compare within those tags.
    const before = previousShas(ctx.store, consumer, provider, {
      branch: ctx.store.branchesOfVersion(version.id)[0],
      tags: ctx.store.tagsOfVersion(version.id).map((t) => t.name),
    });
    const result = ctx.store.publishPact({ consumerVersion: version, provider, content, merge: false });
    events.push(
      ...eventsForPublication(ctx.store, req.urls, {
        consumer,
        provider,
        consumerVersion: version,
        pactVersion: result.pactVersion,
        previousShas: before,
      }),
    );
    const body = pactBody(req.urls, consumer, provider, version, result.publication, result.pactVersion);
    ctx.webhooks.fire(events);
    return { status: result.created ? 201 : 200, body };
  });
  return response;
}
