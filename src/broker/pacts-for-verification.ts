/**
 * "Pacts for verification": which pacts a provider verifies, chosen by consumer version selectors,
 * with pending status, work-in-progress pacts and the notices the Pact Broker writes. The rules
 * follow pact_broker's PactsForVerificationRepository, VerifiablePactMessages and
 * PactVersion#pending_for_provider_branch?.
 */
import { z } from "zod";
import { BrokerValidationError, type ValidationErrors } from "./errors.ts";
import type { BrokerStore, PacticipantRow, PublicationView, VerificationView } from "./store/store.ts";
import type { BrokerUrls, PactUrlMetadata } from "./urls.ts";

const selectorSchema = z
  .object({
    mainBranch: z.literal(true).optional(),
    branch: z.string().min(1).optional(),
    fallbackBranch: z.string().min(1).optional(),
    matchingBranch: z.literal(true).optional(),
    tag: z.string().min(1).optional(),
    fallbackTag: z.string().min(1).optional(),
    latest: z.boolean().optional(),
    consumer: z.string().min(1).optional(),
    deployedOrReleased: z.literal(true).optional(),
    deployed: z.literal(true).optional(),
    released: z.literal(true).optional(),
    environment: z.string().min(1).optional(),
  })
  .strict();

export type ConsumerVersionSelector = z.infer<typeof selectorSchema>;

const requestSchema = z.object({
  consumerVersionSelectors: z.array(z.unknown()).optional(),
  includePendingStatus: z.boolean().optional(),
  includeWipPactsSince: z.string().optional(),
  providerVersionBranch: z.string().min(1).optional(),
  providerVersionTags: z.array(z.string()).optional(),
});

export interface PactsForVerificationRequest {
  consumerVersionSelectors: ConsumerVersionSelector[];
  includePendingStatus: boolean;
  includeWipPactsSince?: Date;
  providerVersionBranch?: string;
  providerVersionTags: string[];
}

function zodReasons(prefix: string, error: z.ZodError): ValidationErrors {
  const errors: ValidationErrors = {};
  for (const issue of error.issues) {
    const key = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

/** Validates the body the verifier POSTs; throws BrokerValidationError naming every reason. */
export function parsePactsForVerificationRequest(body: unknown): PactsForVerificationRequest {
  const parsed = requestSchema.safeParse(body ?? {});
  if (!parsed.success) throw new BrokerValidationError(zodReasons("", parsed.error));
  const errors: ValidationErrors = {};
  const selectors: ConsumerVersionSelector[] = [];
  (parsed.data.consumerVersionSelectors ?? []).forEach((raw, i) => {
    const key = `consumerVersionSelectors[${i}]`;
    const s = selectorSchema.safeParse(raw);
    if (!s.success) {
      Object.assign(errors, zodReasons(key, s.error));
      return;
    }
    const sel = s.data;
    const kinds = [
      sel.mainBranch && "mainBranch",
      sel.branch && "branch",
      sel.matchingBranch && "matchingBranch",
      sel.tag && "tag",
      (sel.deployed || sel.released || sel.deployedOrReleased) && "deployed/released",
    ].filter(Boolean);
    const reasons: string[] = [];
    if (kinds.length > 1) reasons.push(`cannot specify more than one of ${kinds.join(", ")}`);
    if (kinds.length === 0 && sel.latest === undefined && !sel.environment) {
      reasons.push(
        "must specify a value for mainBranch, branch, matchingBranch, tag, latest, deployed, released, deployedOrReleased or environment",
      );
    }
    if (sel.matchingBranch && !parsed.data.providerVersionBranch) {
      reasons.push("matchingBranch can only be used when providerVersionBranch is also given");
    }
    if (sel.fallbackTag && !sel.tag) reasons.push("fallbackTag can only be set if tag is set");
    if (sel.fallbackTag && sel.latest !== true) reasons.push("fallbackTag can only be set if latest is true");
    if (sel.fallbackBranch && !sel.branch) reasons.push("fallbackBranch can only be set if branch is set");
    if (
      sel.latest !== undefined &&
      (sel.deployed || sel.released || sel.deployedOrReleased || sel.environment)
    ) {
      reasons.push("cannot specify latest with deployed, released, deployedOrReleased or environment");
    }
    if (sel.latest === false && sel.mainBranch) reasons.push("cannot specify mainBranch with latest=false");
    if (reasons.length > 0) errors[key] = reasons;
    else selectors.push(sel);
  });
  let since: Date | undefined;
  if (parsed.data.includeWipPactsSince !== undefined) {
    since = new Date(parsed.data.includeWipPactsSince);
    if (Number.isNaN(since.getTime())) {
      errors.includeWipPactsSince = [`'${parsed.data.includeWipPactsSince}' is not a valid date`];
    }
  }
  if (Object.keys(errors).length > 0) throw new BrokerValidationError(errors);
  return {
    consumerVersionSelectors: selectors,
    includePendingStatus: parsed.data.includePendingStatus ?? false,
    includeWipPactsSince: since,
    providerVersionBranch: parsed.data.providerVersionBranch,
    providerVersionTags: parsed.data.providerVersionTags ?? [],
  };
}

/** A selector after it has picked one consumer version. */
interface ResolvedSelector {
  kind:
    | "overallLatest"
    | "latestForTag"
    | "latestForBranch"
    | "allForTag"
    | "allForBranch"
    | "currentlyDeployed"
    | "currentlySupported";
  consumer?: string;
  tag?: string;
  fallbackTag?: string;
  branch?: string;
  fallbackBranch?: string;
  environment?: string;
  consumerVersionNumber: string;
  consumerVersionId: number;
}

export interface VerifiablePact {
  publication: PublicationView;
  selectors: ResolvedSelector[];
  pending: boolean;
  wip: boolean;
  /** Provider tags this pact is pending for (tag-based pending). */
  pendingProviderTags: string[];
  nonPendingProviderTags: string[];
}

export interface PactsForVerificationResult {
  pacts: VerifiablePact[];
}

function latestPerConsumer(pubs: PublicationView[]): PublicationView[] {
  const seen = new Set<number>();
  const out: PublicationView[] = [];
  for (const p of pubs) {
    if (seen.has(p.consumer.id)) continue;
    seen.add(p.consumer.id);
    out.push(p);
  }
  return out;
}

function resolve(
  p: PublicationView,
  s: Omit<ResolvedSelector, "consumerVersionNumber" | "consumerVersionId">,
): ResolvedSelector {
  return { ...s, consumerVersionNumber: p.consumerVersion.number, consumerVersionId: p.consumerVersion.id };
}

export class PactsForVerification {
  constructor(private readonly store: BrokerStore) {}

  find(provider: PacticipantRow, request: PactsForVerificationRequest): PactsForVerificationResult {
    const all = this.store.publications({ providerId: provider.id });
    const selected: { pub: PublicationView; selector: ResolvedSelector }[] = [];
    const selectors =
      request.consumerVersionSelectors.length > 0
        ? request.consumerVersionSelectors
        : this.defaultSelectors(all);
    for (const selector of selectors) {
      for (const item of this.select(all, selector, request)) selected.push(item);
    }

    // Merge by pact content: one verifiable pact per pact version, carrying every selector that chose it.
    const byPactVersion = new Map<number, { pub: PublicationView; selectors: ResolvedSelector[] }>();
    for (const { pub, selector } of selected) {
      const entry = byPactVersion.get(pub.pactVersion.id);
      if (!entry) {
        byPactVersion.set(pub.pactVersion.id, { pub, selectors: [selector] });
        continue;
      }
      if (pub.consumerVersion.id > entry.pub.consumerVersion.id) entry.pub = pub;
      const dup = entry.selectors.some((s) => JSON.stringify(s) === JSON.stringify(selector));
      if (!dup) entry.selectors.push(selector);
    }

    const verifications = this.store.verificationsFor(all.map((p) => p.pactVersion.id));
    const explicit: VerifiablePact[] = [...byPactVersion.values()].map(({ pub, selectors: sels }) => ({
      publication: pub,
      selectors: sels,
      wip: false,
      ...this.pendingStatus(provider, pub, verifications.get(pub.pactVersion.id) ?? [], request),
    }));

    const wip = request.includeWipPactsSince
      ? this.findWip(provider, all, explicit, verifications, request, request.includeWipPactsSince)
      : [];
    const pacts = [...explicit, ...wip].sort((a, b) =>
      a.publication.consumer.name.toLowerCase() === b.publication.consumer.name.toLowerCase()
        ? a.publication.consumerVersion.id - b.publication.consumerVersion.id
        : a.publication.consumer.name.toLowerCase() < b.publication.consumer.name.toLowerCase()
          ? -1
          : 1,
    );
    return { pacts };
  }

  /** Without selectors: each consumer's latest main-branch pact (or overall latest), plus deployed and released. */
  private defaultSelectors(all: PublicationView[]): ConsumerVersionSelector[] {
    const selectors: ConsumerVersionSelector[] = [];
    for (const p of latestPerConsumer(all)) {
      const main = p.consumer.main_branch;
      if (main && all.some((x) => x.consumer.id === p.consumer.id && x.branches.includes(main))) {
        selectors.push({ mainBranch: true, consumer: p.consumer.name });
      } else {
        selectors.push({ latest: true, consumer: p.consumer.name });
      }
    }
    selectors.push({ deployed: true }, { released: true });
    return selectors;
  }

  private select(
    all: PublicationView[],
    s: ConsumerVersionSelector,
    request: PactsForVerificationRequest,
  ): { pub: PublicationView; selector: ResolvedSelector }[] {
    const pubs = s.consumer ? all.filter((p) => p.consumer.name === s.consumer) : all;
    const consumer = s.consumer;
    const out: { pub: PublicationView; selector: ResolvedSelector }[] = [];

    if (s.mainBranch) {
      for (const p of latestPerConsumer(
        pubs.filter((x) => x.consumer.main_branch && x.branches.includes(x.consumer.main_branch)),
      )) {
        out.push({
          pub: p,
          selector: resolve(p, { kind: "latestForBranch", consumer, branch: p.consumer.main_branch ?? "" }),
        });
      }
      return out;
    }
    const branch = s.matchingBranch ? request.providerVersionBranch : s.branch;
    if (branch !== undefined) {
      const onBranch = pubs.filter((x) => x.branches.includes(branch));
      if (s.latest === false) {
        return onBranch.map((p) => ({
          pub: p,
          selector: resolve(p, { kind: "allForBranch", consumer, branch }),
        }));
      }
      const latest = latestPerConsumer(onBranch);
      for (const p of latest)
        out.push({ pub: p, selector: resolve(p, { kind: "latestForBranch", consumer, branch }) });
      if (latest.length === 0 && s.fallbackBranch) {
        const fb = s.fallbackBranch;
        for (const p of latestPerConsumer(pubs.filter((x) => x.branches.includes(fb)))) {
          out.push({
            pub: p,
            selector: resolve(p, { kind: "latestForBranch", consumer, branch, fallbackBranch: fb }),
          });
        }
      }
      return out;
    }
    if (s.tag !== undefined) {
      const tag = s.tag;
      const tagged = pubs.filter((x) => x.tags.includes(tag));
      if (s.latest !== true) {
        return tagged.map((p) => ({ pub: p, selector: resolve(p, { kind: "allForTag", consumer, tag }) }));
      }
      const latest = latestPerConsumer(tagged);
      for (const p of latest)
        out.push({ pub: p, selector: resolve(p, { kind: "latestForTag", consumer, tag }) });
      if (latest.length === 0 && s.fallbackTag) {
        const ft = s.fallbackTag;
        for (const p of latestPerConsumer(pubs.filter((x) => x.tags.includes(ft)))) {
          out.push({
            pub: p,
            selector: resolve(p, { kind: "latestForTag", consumer, tag, fallbackTag: ft }),
          });
        }
      }
      return out;
    }
    if (s.deployed || s.released || s.deployedOrReleased || s.environment) {
      const env = s.environment ? this.store.findEnvironmentByName(s.environment) : undefined;
      if (s.environment && !env) return out;
      const wantDeployed = Boolean(s.deployed || s.deployedOrReleased || (!s.released && s.environment));
      const wantReleased = Boolean(s.released || s.deployedOrReleased || (!s.deployed && s.environment));
      const envNames = new Map(this.store.listEnvironments().map((e) => [e.id, e.name]));
      const byVersion = new Map<number, PublicationView>();
      for (const p of pubs) byVersion.set(p.consumerVersion.id, p);
      if (wantDeployed) {
        for (const d of this.store.currentlyDeployed({ environmentId: env?.id })) {
          const p = byVersion.get(d.version_id);
          if (p) {
            out.push({
              pub: p,
              selector: resolve(p, {
                kind: "currentlyDeployed",
                consumer,
                environment: envNames.get(d.environment_id),
              }),
            });
          }
        }
      }
      if (wantReleased) {
        for (const r of this.store.currentlySupported({ environmentId: env?.id })) {
          const p = byVersion.get(r.version_id);
          if (p) {
            out.push({
              pub: p,
              selector: resolve(p, {
                kind: "currentlySupported",
                consumer,
                environment: envNames.get(r.environment_id),
              }),
            });
          }
        }
      }
      return out;
    }
    // { latest: true } (optionally with consumer): the overall latest pact of each consumer.
    if (s.latest === false) {
      return pubs.map((p) => ({ pub: p, selector: resolve(p, { kind: "overallLatest", consumer }) }));
    }
    for (const p of latestPerConsumer(pubs))
      out.push({ pub: p, selector: resolve(p, { kind: "overallLatest", consumer }) });
    return out;
  }

  /** Pending rules of PactVersion#pending_for_provider_branch? and the tag-based equivalent. */
  private pendingStatus(
    provider: PacticipantRow,
    pub: PublicationView,
    verifications: VerificationView[],
    request: PactsForVerificationRequest,
    onlyNonWip = false,
  ): { pending: boolean; pendingProviderTags: string[]; nonPendingProviderTags: string[] } {
    const successes = verifications.filter(
      (v) => v.verification.success === 1 && (!onlyNonWip || v.verification.wip === 0),
    );
    const branch = request.providerVersionBranch;
    if (branch !== undefined) {
      const fromBranch = successes.some((v) => v.providerBranches.includes(branch));
      const branchRow = this.store.findBranch(provider.id, branch);
      const fromOtherBefore = successes.some(
        (v) =>
          v.providerBranches.some((b) => b !== branch) &&
          (!branchRow || v.verification.created_at < branchRow.created_at),
      );
      return {
        pending: !fromBranch && !fromOtherBefore,
        pendingProviderTags: [],
        nonPendingProviderTags: [],
      };
    }
    if (request.providerVersionTags.length > 0) {
      const pendingTags = request.providerVersionTags.filter((tag) => {
        const fromTag = successes.some((v) => v.providerTags.includes(tag));
        return !fromTag;
      });
      return {
        pending: pendingTags.length > 0,
        pendingProviderTags: pendingTags,
        nonPendingProviderTags: request.providerVersionTags.filter((t) => !pendingTags.includes(t)),
      };
    }
    void pub;
    return { pending: successes.length === 0, pendingProviderTags: [], nonPendingProviderTags: [] };
  }

  /**
   * WIP pacts: the latest pact of each consumer branch and each consumer tag, published after
   * `since`, still pending for this provider branch (or tags), and not already selected.
   */
  private findWip(
    provider: PacticipantRow,
    all: PublicationView[],
    explicit: VerifiablePact[],
    verifications: Map<number, VerificationView[]>,
    request: PactsForVerificationRequest,
    since: Date,
  ): VerifiablePact[] {
    if (request.providerVersionBranch === undefined && request.providerVersionTags.length === 0) return [];
    const sinceIso = since.toISOString();
    const heads = new Map<string, { pub: PublicationView; selector: ResolvedSelector }>();
    for (const p of all) {
      for (const b of p.branches) {
        const key = `${p.consumer.id}\u0000b\u0000${b}`;
        if (!heads.has(key))
          heads.set(key, { pub: p, selector: resolve(p, { kind: "latestForBranch", branch: b }) });
      }
      for (const t of p.tags) {
        const key = `${p.consumer.id}\u0000t\u0000${t}`;
        if (!heads.has(key))
          heads.set(key, { pub: p, selector: resolve(p, { kind: "latestForTag", tag: t }) });
      }
    }
    const explicitShas = new Set(
      explicit.map((e) => `${e.publication.consumer.id}:${e.publication.pactVersion.sha}`),
    );
    const byPactVersion = new Map<number, VerifiablePact>();
    for (const { pub, selector } of heads.values()) {
      if (pub.publication.created_at < sinceIso) continue;
      if (explicitShas.has(`${pub.consumer.id}:${pub.pactVersion.sha}`)) continue;
      const status = this.pendingStatus(
        provider,
        pub,
        verifications.get(pub.pactVersion.id) ?? [],
        request,
        true,
      );
      if (!status.pending) continue;
      const existing = byPactVersion.get(pub.pactVersion.id);
      if (existing) {
        existing.selectors.push(selector);
        continue;
      }
      byPactVersion.set(pub.pactVersion.id, {
        publication: pub,
        selectors: [selector],
        wip: true,
        ...status,
        pending: true,
      });
    }
    return [...byPactVersion.values()];
  }
}

// ------------------------------------------------------------------ notices (VerifiablePactMessages)

const READ_MORE_PENDING = "Read more at https://docs.pact.io/go/pending";
const READ_MORE_WIP = "Read more at https://docs.pact.io/go/wip";

function joinQuoted(list: string[], last = " and "): string {
  return joinUnquoted(
    list.map((w) => `'${w}'`),
    last,
  );
}

function joinUnquoted(list: string[], last = " and "): string {
  if (list.length <= 2) return list.join(last);
  return `${list.slice(0, -2).join(", ")}, ${list.slice(-2).join(last)}`;
}

function selectorDescription(s: ResolvedSelector, providerName: string): string {
  const versionLabel = s.consumer ? `version of ${s.consumer}` : "version";
  let d: string;
  switch (s.kind) {
    case "overallLatest":
      d = `latest version of ${s.consumer ?? "a consumer"} that has a pact with ${providerName}`;
      break;
    case "latestForTag":
      d = s.fallbackTag
        ? `latest ${versionLabel} tagged '${s.fallbackTag}' (fallback tag used as no pact was found with tag '${s.tag}')`
        : `latest ${versionLabel} tagged '${s.tag}'`;
      break;
    case "latestForBranch":
      d = s.fallbackBranch
        ? `latest ${versionLabel} from branch '${s.fallbackBranch}' (fallback branch used as no pact was found from branch '${s.branch}')`
        : `latest ${versionLabel} from branch '${s.branch}'`;
      break;
    case "allForTag":
      d = s.consumer
        ? `all ${s.consumer} versions tagged '${s.tag}'`
        : `all consumer versions tagged '${s.tag}'`;
      break;
    case "allForBranch":
      d = s.consumer
        ? `all ${s.consumer} versions from branch '${s.branch}'`
        : `all consumer versions from branch '${s.branch}'`;
      break;
    case "currentlyDeployed":
    case "currentlySupported":
      d = `${s.consumer ?? "a consumer"} version in environment ${s.environment}`;
      break;
  }
  return `${d} (${s.consumerVersionNumber})`;
}

function selectorDescriptions(selectors: ResolvedSelector[], providerName: string): string {
  const lines: string[] = [];
  const deployed = selectors.filter((s) => s.kind === "currentlyDeployed");
  const supported = selectors.filter((s) => s.kind === "currentlySupported");
  for (const s of selectors) {
    if (s.kind !== "currentlyDeployed" && s.kind !== "currentlySupported")
      lines.push(selectorDescription(s, providerName));
  }
  const grouped = (list: ResolvedSelector[], verb: string): void => {
    const byConsumer = new Map<string, ResolvedSelector[]>();
    for (const s of list) {
      const k = s.consumer ?? "";
      byConsumer.set(k, [...(byConsumer.get(k) ?? []), s]);
    }
    for (const [consumer, group] of byConsumer) {
      const label = consumer ? `version(s) of ${consumer}` : "consumer version(s)";
      lines.push(
        `${label} ${verb} ${joinUnquoted(group.map((s) => `${s.environment} (${s.consumerVersionNumber})`))}`,
      );
    }
  };
  grouped(deployed, "currently deployed to");
  grouped(supported, "released and supported in");
  return lines.map((l) => `    * ${l}`).join("\n");
}

function shortSelectorDescription(s: ResolvedSelector): string {
  switch (s.kind) {
    case "overallLatest":
      return "latest";
    case "latestForTag":
      return `latest with tag ${s.fallbackTag ?? s.tag}`;
    case "latestForBranch":
      return `latest from branch ${s.fallbackBranch ?? s.branch}`;
    case "allForTag":
      return s.consumer ? `one of ${s.consumer} ${s.tag}` : `one of ${s.tag}`;
    case "allForBranch":
      return `one of branch ${s.branch}`;
    case "currentlyDeployed":
      return `deployed to ${s.environment}`;
    case "currentlySupported":
      return `released in ${s.environment}`;
  }
}

export interface Notice {
  when: string;
  text: string;
}

/** The notices the Pact Broker attaches to each pact (BuildVerifiablePactNotices). */
export function buildNotices(
  pact: VerifiablePact,
  pactUrl: string,
  providerName: string,
  request: PactsForVerificationRequest,
): Notice[] {
  const consumerName = pact.publication.consumer.name;
  const providerBranch = request.providerVersionBranch;
  const heads = pact.selectors.filter((s) => s.kind === "latestForTag").map((s) => s.tag ?? "");
  const branches = pact.selectors.filter((s) => s.kind === "latestForBranch").map((s) => s.branch ?? "");

  const pendingDescription = (anyOrA: "any" | "a"): string => {
    if (providerBranch !== undefined)
      return `${anyOrA} version of ${providerName} from branch '${providerBranch}'`;
    const tags = pact.pendingProviderTags;
    if (tags.length === 0) return providerName;
    if (tags.length === 1) return `${anyOrA} version of ${providerName} with tag '${tags[0]}'`;
    return `${anyOrA} versions of ${providerName} with tag ${joinQuoted(tags)}`;
  };
  const nonPendingDescription = (): string => {
    if (providerBranch !== undefined) return `a version of ${providerName} from branch '${providerBranch}'`;
    const tags = pact.nonPendingProviderTags;
    if (tags.length === 0) return providerName;
    if (tags.length === 1) return `a version of ${providerName} with tag '${tags[0]}'`;
    return `a version of ${providerName} with tag ${joinQuoted(tags)}`;
  };
  const withTheseTags =
    pact.pendingProviderTags.length === 0
      ? ""
      : pact.pendingProviderTags.length === 1
        ? "with this tag "
        : "with these tags ";

  let inclusion: string;
  if (pact.wip) {
    const versionText = heads.length === 1 || branches.length === 1 ? "version" : "versions";
    const parts: string[] = [];
    if (branches.length > 0)
      parts.push(`from ${branches.length === 1 ? "branch" : "branches"} ${joinQuoted(branches)}`);
    if (heads.length > 0) parts.push(`tagged with ${joinQuoted(heads)}`);
    const same =
      pact.selectors.length === 1
        ? ""
        : pact.selectors.length === 2
          ? " (both have the same content)"
          : " (all have the same content)";
    inclusion = `The pact at ${pactUrl} is being verified because it is a 'work in progress' pact (ie. it is the pact for the latest ${versionText} of ${consumerName} ${parts.join(" and ")}${same} and is still in pending state). ${READ_MORE_WIP}`;
  } else {
    const criteria = pact.selectors.length > 1 ? "criteria" : "criterion";
    const versions = pact.selectors.length === 1 ? "the consumer version" : "the consumer versions";
    inclusion = `The pact at ${pactUrl} is being verified because the pact content belongs to ${versions} matching the following ${criteria}:\n${selectorDescriptions(pact.selectors, providerName)}`;
  }
  const notices: Notice[] = [{ when: "before_verification", text: inclusion }];
  if (!request.includePendingStatus) return notices;

  notices.push({
    when: "before_verification",
    text: pact.pending
      ? `This pact is in pending state for this version of ${providerName} because a successful verification result for ${pendingDescription("a")} has not yet been published. If this verification fails, it will not cause the overall build to fail. ${READ_MORE_PENDING}`
      : `This pact has previously been successfully verified by ${nonPendingDescription()}. If this verification fails, it will fail the build. ${READ_MORE_PENDING}`,
  });
  if (pact.pending) {
    const stillPending = `This pact is still in pending state for ${pendingDescription("any")} as a successful verification result ${withTheseTags}has not yet been published`;
    notices.push(
      {
        when: "after_verification:success_true_published_false",
        text: `This pact is still in pending state for ${pendingDescription("any")} as the successful verification results ${withTheseTags}have not yet been published.`,
      },
      { when: "after_verification:success_false_published_false", text: stillPending },
      {
        when: "after_verification:success_true_published_true",
        text: `This pact is no longer in pending state for ${pendingDescription("any")}, as a successful verification result ${withTheseTags}has been published. If a verification for a version of ${providerName} ${withTheseTags}fails in the future, it will fail the build. ${READ_MORE_PENDING}`,
      },
      { when: "after_verification:success_false_published_true", text: stillPending },
    );
  }
  return notices;
}

/** The JSON of one entry in `_embedded.pacts`. */
export function decorateVerifiablePact(
  pact: VerifiablePact,
  urls: BrokerUrls,
  providerName: string,
  request: PactsForVerificationRequest,
): Record<string, unknown> {
  const pub = pact.publication;
  const metadata: PactUrlMetadata = {
    cv: [...new Set(pact.selectors.map((s) => s.consumerVersionNumber))],
  };
  if (pact.wip) metadata.w = true;
  if (request.includePendingStatus) metadata.p = pact.pending;
  const url = urls.pactVersion(providerName, pub.consumer.name, pub.pactVersion.sha, metadata);
  const verificationProperties: Record<string, unknown> = {};
  if (request.includePendingStatus) verificationProperties.pending = pact.pending;
  if (pact.wip) verificationProperties.wip = true;
  verificationProperties.notices = buildNotices(pact, url, providerName, request);
  return {
    shortDescription: pact.selectors.map(shortSelectorDescription).join(", "),
    verificationProperties,
    _links: {
      self: {
        href: url,
        name: `Pact between ${pub.consumer.name} (${pub.consumerVersion.number}) and ${providerName}`,
      },
    },
  };
}
