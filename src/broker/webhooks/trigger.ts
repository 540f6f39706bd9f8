/**
 * Which events fire when, as the Pact Broker documents them:
 * - contract_published: every publication of a pact;
 * - contract_content_changed: the content differs from the latest pact of the same consumer and
 *   provider on the same branch or on any of the same tags (with neither, of a version without
 *   any), or there was none there;
 * - contract_requiring_verification_published: the published content has not been verified by
 *   the provider versions that must verify it (the latest version of the provider's main branch,
 *   each deployed and each supported released version): one event per such provider version,
 *   its number and branch in the template; no such version, no event;
 * - provider_verification_published, then _succeeded or _failed: every verification result.
 */
import type { BrokerStore, PacticipantRow, PactVersionRow, VersionRow } from "../store/store.ts";
import type { BrokerUrls } from "../urls.ts";
import { verificationStatuses, type WebhookTemplateValues } from "./render.ts";

export const WEBHOOK_EVENTS = [
  "contract_content_changed",
  "contract_published",
  "contract_requiring_verification_published",
  "provider_verification_published",
  "provider_verification_succeeded",
  "provider_verification_failed",
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEvent {
  name: WebhookEventName;
  consumer: string;
  provider: string;
  values: WebhookTemplateValues;
}

/**
 * The shas a new publication is compared with, read BEFORE it is written: the latest pact of
 * the same branch and of each of the same tags (undefined: none there yet); with neither branch nor
 * tags, the latest pact of a version without any. The Pact Broker fires contract_content_changed
 * when any of them differs or is missing.
 */
export function previousShas(
  store: BrokerStore,
  consumer: PacticipantRow,
  provider: PacticipantRow | undefined,
  scope: { branch?: string | undefined; tags: string[] },
): (string | undefined)[] {
  if (!provider) return [undefined];
  const at = (s: Parameters<BrokerStore["latestShaIn"]>[2]) => store.latestShaIn(consumer.id, provider.id, s);
  const out: (string | undefined)[] = [];
  if (scope.branch) out.push(at({ branch: scope.branch }));
  for (const tag of scope.tags) out.push(at({ tag }));
  if (!scope.branch && scope.tags.length === 0) out.push(at({ untagged: true }));
  return out;
}

function baseValues(
  urls: BrokerUrls,
  store: BrokerStore,
  consumer: PacticipantRow,
  provider: PacticipantRow,
  consumerVersion: VersionRow,
  pactVersion: PactVersionRow,
): WebhookTemplateValues {
  return {
    pactUrl: urls.pactVersion(provider.name, consumer.name, pactVersion.sha),
    verificationResultUrl: "",
    consumerVersionNumber: consumerVersion.number,
    consumerVersionTags: store
      .tagsOfVersion(consumerVersion.id)
      .map((t) => t.name)
      .join(", "),
    consumerVersionBranch: store.branchesOfVersion(consumerVersion.id).join(", "),
    consumerName: consumer.name,
    consumerLabels: "",
    providerVersionNumber: "",
    providerVersionTags: "",
    providerVersionBranch: "",
    providerName: provider.name,
    providerLabels: "",
    ...verificationStatuses(undefined),
    buildUrl: consumerVersion.build_url ?? "",
    eventName: "",
    currentlyDeployedProviderVersionNumber: "",
  };
}

/**
 * Provider versions that must verify `pactVersion` and have not, as the Pact Broker computes them:
 * the latest version of the provider's main branch, each currently deployed version and each
 * currently supported released version, de-duplicated. None (no such version): no event.
 */
function providerVersionsRequiringVerification(
  store: BrokerStore,
  provider: PacticipantRow,
  pactVersion: PactVersionRow,
): { number: string; branch: string }[] {
  const verifiedBy = new Set(
    (store.verificationsFor([pactVersion.id]).get(pactVersion.id) ?? []).map((v) => v.providerVersion.id),
  );
  const candidates: number[] = [];
  if (provider.main_branch) {
    const head = store.latestVersion(provider.id, { branch: provider.main_branch });
    if (head) candidates.push(head.id);
  }
  for (const d of store.currentlyDeployed({ pacticipantId: provider.id })) candidates.push(d.version_id);
  for (const r of store.currentlySupported({ pacticipantId: provider.id })) candidates.push(r.version_id);
  const out: { number: string; branch: string }[] = [];
  for (const id of new Set(candidates)) {
    if (verifiedBy.has(id)) continue;
    const branches = store.branchesOfVersion(id);
    const branch =
      provider.main_branch && branches.includes(provider.main_branch)
        ? provider.main_branch
        : (branches[0] ?? "");
    out.push({ number: store.versionById(id).number, branch });
  }
  return out;
}

export interface PublishedPact {
  consumer: PacticipantRow;
  provider: PacticipantRow;
  consumerVersion: VersionRow;
  pactVersion: PactVersionRow;
  /** From `previousShas`, read before the write. */
  previousShas: (string | undefined)[];
}

/**
 * The events of a publication; only those in `wanted` when given (what some webhook listens to:
 * the others are not computed, as no execution would use them).
 */
export function eventsForPublication(
  store: BrokerStore,
  urls: BrokerUrls,
  p: PublishedPact,
  wanted?: ReadonlySet<string>,
): WebhookEvent[] {
  const want = (name: WebhookEventName) => !wanted || wanted.has(name);
  if (!WEBHOOK_EVENTS.some(want)) return [];
  const values = baseValues(urls, store, p.consumer, p.provider, p.consumerVersion, p.pactVersion);
  const event = (name: WebhookEventName, extra: Partial<WebhookTemplateValues> = {}): WebhookEvent => ({
    name,
    consumer: p.consumer.name,
    provider: p.provider.name,
    values: { ...values, ...extra, eventName: name },
  });
  const events = want("contract_published") ? [event("contract_published")] : [];
  if (want("contract_content_changed") && p.previousShas.some((sha) => sha !== p.pactVersion.sha))
    events.push(event("contract_content_changed"));
  if (!want("contract_requiring_verification_published")) return events;
  for (const pv of providerVersionsRequiringVerification(store, p.provider, p.pactVersion)) {
    events.push(
      event("contract_requiring_verification_published", {
        providerVersionNumber: pv.number,
        providerVersionBranch: pv.branch,
      }),
    );
  }
  return events;
}

export interface PublishedVerification {
  consumer: PacticipantRow;
  provider: PacticipantRow;
  consumerVersion: VersionRow | undefined;
  providerVersion: VersionRow;
  pactVersion: PactVersionRow;
  success: boolean;
  verificationUrl: string;
  buildUrl: string | null;
}

export function eventsForVerification(
  store: BrokerStore,
  urls: BrokerUrls,
  v: PublishedVerification,
): WebhookEvent[] {
  const consumerVersion = v.consumerVersion;
  const values: WebhookTemplateValues = {
    ...(consumerVersion
      ? baseValues(urls, store, v.consumer, v.provider, consumerVersion, v.pactVersion)
      : {
          ...baseValues(
            urls,
            store,
            v.consumer,
            v.provider,
            { id: -1, pacticipant_id: v.consumer.id, number: "", build_url: null, created_at: "" },
            v.pactVersion,
          ),
          consumerVersionTags: "",
          consumerVersionBranch: "",
        }),
    verificationResultUrl: v.verificationUrl,
    providerVersionNumber: v.providerVersion.number,
    providerVersionTags: store
      .tagsOfVersion(v.providerVersion.id)
      .map((t) => t.name)
      .join(", "),
    providerVersionBranch: store.branchesOfVersion(v.providerVersion.id).join(", "),
    ...verificationStatuses(v.success),
    buildUrl: v.buildUrl ?? "",
  };
  const names: WebhookEventName[] = [
    "provider_verification_published",
    v.success ? "provider_verification_succeeded" : "provider_verification_failed",
  ];
  return names.map((name) => ({
    name,
    consumer: v.consumer.name,
    provider: v.provider.name,
    values: { ...values, eventName: name },
  }));
}
