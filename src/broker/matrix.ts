/**
 * The matrix and can-i-deploy: which consumer versions were verified by which provider versions,
 * and whether the selected versions can be deployed. Follows pact_broker's Matrix::Service,
 * DeploymentStatusSummary and ReasonDecorator (texts included), with the queries the official
 * CLI sends: `q[][pacticipant]`, `q[][version]`, `q[][latest]`, `q[][tag]`, `q[][branch]`,
 * `q[][mainBranch]`, `ignore[][...]`, `latestby`, `latest`, `tag`, `environment`, `mainBranch`.
 */
import { BrokerValidationError } from "./errors.ts";
import type {
  BrokerStore,
  PacticipantRow,
  PublicationView,
  VerificationView,
  VersionRow,
} from "./store/store.ts";
import type { BrokerUrls } from "./urls.ts";

export interface MatrixSelectorInput {
  pacticipant: string;
  version?: string;
  latest?: boolean;
  tag?: string;
  branch?: string;
  mainBranch?: boolean;
  environment?: string;
}

export interface MatrixQuery {
  selectors: MatrixSelectorInput[];
  ignore: { pacticipant: string; version?: string }[];
  latestby?: "cvp" | "cvpv" | "cp";
  latest: boolean;
  tag?: string;
  environment?: string;
  mainBranch: boolean;
  limit?: number;
}

const truthy = (v: string | undefined): boolean => v === "true" || v === "1";

/**
 * Parses Rack-style `q[][key]=value` lists: a repeated key starts the next selector, the way
 * Rack builds arrays of hashes from a query string.
 */
function parseHashList(params: URLSearchParams, prefix: string): Record<string, string>[] {
  const list: Record<string, string>[] = [];
  const re = new RegExp(`^${prefix}\\[\\]\\[(\\w+)\\]$`);
  for (const [key, value] of params) {
    const m = re.exec(key);
    if (!m) continue;
    const field = m[1]!;
    const last = list[list.length - 1];
    if (!last || field in last) list.push({ [field]: value });
    else last[field] = value;
  }
  return list;
}

export function parseMatrixQuery(params: URLSearchParams): MatrixQuery {
  const selectors = parseHashList(params, "q").map((h) => ({
    pacticipant: h.pacticipant ?? "",
    version: h.version,
    latest: h.latest === undefined ? undefined : truthy(h.latest),
    tag: h.tag,
    branch: h.branch,
    mainBranch: h.mainBranch === undefined ? undefined : truthy(h.mainBranch),
    environment: h.environment,
  }));
  const errors: string[] = [];
  if (selectors.length === 0) errors.push("Please provide 1 or more version selectors.");
  selectors.forEach((s, i) => {
    if (!s.pacticipant) errors.push(`Please specify the pacticipant name for selector ${i + 1}`);
    if (s.version && (s.latest || s.tag || s.branch || s.mainBranch)) {
      errors.push(
        `A version number and latest/tag/branch/mainBranch cannot both be specified for ${s.pacticipant}`,
      );
    }
  });
  const latestby = params.get("latestby") ?? undefined;
  if (
    latestby !== undefined &&
    latestby !== "" &&
    latestby !== "cvp" &&
    latestby !== "cvpv" &&
    latestby !== "cp"
  ) {
    errors.push(`Invalid latestby '${latestby}': expected cvp, cvpv or cp`);
  }
  const limitRaw = params.get("limit");
  const limit = limitRaw === null ? undefined : Number(limitRaw);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    errors.push("limit must be a positive integer");
  if (errors.length > 0) throw new BrokerValidationError({ q: errors });
  return {
    selectors,
    ignore: parseHashList(params, "ignore").map((h) => ({
      pacticipant: h.pacticipant ?? "",
      version: h.version,
    })),
    latestby: latestby === "cvp" || latestby === "cvpv" || latestby === "cp" ? latestby : undefined,
    latest: truthy(params.get("latest") ?? undefined),
    tag: params.get("tag") ?? undefined,
    environment: params.get("environment") ?? undefined,
    mainBranch: truthy(params.get("mainBranch") ?? undefined),
    limit,
  };
}

/** Query of `GET /can-i-deploy?pacticipant=&version=&environment=` (or `to=` a tag). */
export function parseCanIDeployQuery(params: URLSearchParams): MatrixQuery {
  const pacticipant = params.get("pacticipant");
  const version = params.get("version");
  const environment = params.get("environment") ?? undefined;
  const to = params.get("to") ?? params.get("tag") ?? undefined;
  const errors: Record<string, string[]> = {};
  if (!pacticipant) errors.pacticipant = ["is missing"];
  if (!version) errors.version = ["is missing"];
  if (!environment && !to) errors.environment = ["environment or to (a tag) is required"];
  if (Object.keys(errors).length > 0) throw new BrokerValidationError(errors);
  return {
    selectors: [{ pacticipant: pacticipant!, version: version! }],
    ignore: [],
    latestby: "cvp",
    latest: true,
    tag: environment ? undefined : to,
    environment,
    mainBranch: false,
  };
}

interface Row {
  consumer: PacticipantRow;
  consumerVersion: VersionRow;
  provider: PacticipantRow;
  providerVersion: VersionRow | null;
  publication: PublicationView;
  verification: VerificationView | null;
  consumerDescription: string;
  providerDescription: string;
  ignored: boolean;
}

interface ResolvedSpecified {
  input: MatrixSelectorInput;
  pacticipant: PacticipantRow | undefined;
  versions: VersionRow[];
  /** A single version was asked for (by number, or latest) and it does not exist. */
  missing: boolean;
  describe(version: VersionRow | undefined): string;
}

interface Target {
  versions: VersionRow[];
  describe(version: VersionRow | undefined, count: number): string;
}

export interface MatrixResult {
  deployable: boolean | null;
  reasons: { type: "success" | "error" | "warning"; text: string }[];
  counts: { success: number; failed: number; unknown: number; ignored?: number };
  rows: Row[];
}

export class Matrix {
  constructor(private readonly store: BrokerStore) {}

  run(query: MatrixQuery): MatrixResult {
    const specified = query.selectors.map((s) => this.resolveSpecified(s));
    const unknownPacticipants = specified.filter((s) => !s.pacticipant);
    if (unknownPacticipants.length > 0) {
      throw new BrokerValidationError({
        q: unknownPacticipants.map((s) => `Pacticipant ${s.input.pacticipant} not found`),
      });
    }
    const infer = specified.length === 1;
    const targetFor = (other: PacticipantRow): Target | null =>
      infer ? this.inferredTarget(other, query) : null;
    const specifiedById = new Map(specified.map((s) => [s.pacticipant!.id, s]));
    const rows: Row[] = [];
    const push = (r: Omit<Row, "ignored">): void => {
      const other = specifiedById.has(r.consumer.id) ? r.provider : r.consumer;
      const otherVersion = other === r.provider ? r.providerVersion : r.consumerVersion;
      const ignored = query.ignore.some(
        (i) =>
          i.pacticipant === other.name && (i.version === undefined || i.version === otherVersion?.number),
      );
      rows.push({ ...r, ignored });
    };

    for (const sel of specified) {
      const me = sel.pacticipant!;
      for (const v of sel.versions) {
        const describeMe = sel.describe(v);
        // v as consumer: each provider its pact names.
        const pubs = this.store.publications({ consumerVersionId: v.id });
        const verifs = this.store.verificationsFor(pubs.map((p) => p.pactVersion.id));
        for (const pub of pubs) {
          const provider = pub.provider;
          const list = verifs.get(pub.pactVersion.id) ?? [];
          const otherSpecified = specifiedById.get(provider.id);
          const target: Target | null = otherSpecified
            ? { versions: otherSpecified.versions, describe: (pv) => otherSpecified.describe(pv) }
            : targetFor(provider);
          if (target === null) {
            const latestPerPv = latestPerProviderVersion(list);
            if (latestPerPv.length === 0) {
              push(row(pub, v, null, null, describeMe, `any version of ${provider.name}`));
            }
            for (const ver of latestPerPv) {
              push(
                row(
                  pub,
                  v,
                  ver.providerVersion,
                  ver,
                  describeMe,
                  `version ${ver.providerVersion.number} of ${provider.name}`,
                ),
              );
            }
            continue;
          }
          if (target.versions.length === 0) {
            if (!otherSpecified) push(row(pub, v, null, null, describeMe, target.describe(undefined, 0)));
            continue;
          }
          for (const pv of target.versions) {
            const ver = list.find((x) => x.providerVersion.id === pv.id) ?? null;
            push(row(pub, v, pv, ver, describeMe, target.describe(pv, target.versions.length)));
          }
        }
        // v as provider: the consumers that have pacts with it.
        const consumerPubs = this.store.publications({ providerId: me.id });
        const consumers = new Map<number, PacticipantRow>();
        for (const p of consumerPubs) consumers.set(p.consumer.id, p.consumer);
        const pverifs = this.store.verificationsFor(consumerPubs.map((p) => p.pactVersion.id));
        for (const consumer of consumers.values()) {
          const otherSpecified = specifiedById.get(consumer.id);
          if (otherSpecified) continue; // covered from the consumer's side
          const target = targetFor(consumer);
          const ofConsumer = consumerPubs.filter((p) => p.consumer.id === consumer.id);
          const chosen =
            target === null
              ? ofConsumer.filter((p) =>
                  (pverifs.get(p.pactVersion.id) ?? []).some((x) => x.providerVersion.id === v.id),
                )
              : ofConsumer.filter((p) => target.versions.some((tv) => tv.id === p.consumerVersion.id));
          for (const pub of chosen) {
            const ver =
              (pverifs.get(pub.pactVersion.id) ?? []).find((x) => x.providerVersion.id === v.id) ?? null;
            const cdesc =
              target === null
                ? `version ${pub.consumerVersion.number} of ${consumer.name}`
                : target.describe(pub.consumerVersion, target.versions.length);
            push({
              consumer,
              consumerVersion: pub.consumerVersion,
              provider: me,
              providerVersion: v,
              publication: pub,
              verification: ver,
              consumerDescription: cdesc,
              providerDescription: describeMe,
            });
          }
        }
      }
    }

    const deduped = applyLatestBy(dedupe(rows), query.latestby);
    const limited = query.limit ? deduped.slice(0, query.limit) : deduped;
    return summarise(specified, limited);
  }

  private resolveSpecified(input: MatrixSelectorInput): ResolvedSpecified {
    const p = this.store.findPacticipant(input.pacticipant);
    const base = { input, pacticipant: p };
    if (!p)
      return {
        ...base,
        versions: [],
        missing: true,
        describe: () => `any version of ${input.pacticipant} (no such pacticipant exists)`,
      };
    const name = p.name;
    if (input.version !== undefined) {
      const v = this.store.findVersion(p.id, input.version);
      return {
        ...base,
        versions: v ? [v] : [],
        missing: !v,
        describe: () => `version ${input.version} of ${name}${v ? "" : " (no such version exists)"}`,
      };
    }
    const mainBranch = input.mainBranch ? (p.main_branch ?? undefined) : undefined;
    const branch = input.branch ?? mainBranch;
    if (input.tag !== undefined && input.latest) {
      const v = this.store.latestVersion(p.id, { tag: input.tag });
      return {
        ...base,
        versions: v ? [v] : [],
        missing: !v,
        describe: (x) =>
          `the latest version of ${name} with tag ${input.tag} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (branch !== undefined && (input.latest || input.mainBranch || input.latest === undefined)) {
      const v = this.store.latestVersion(p.id, { branch });
      return {
        ...base,
        versions: v ? [v] : [],
        missing: !v,
        describe: (x) =>
          `the latest version of ${name} from branch ${branch} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (input.mainBranch && !mainBranch) {
      return {
        ...base,
        versions: [],
        missing: true,
        describe: () => `the latest version of ${name} from the main branch (${name} has no main branch set)`,
      };
    }
    if (branch !== undefined) {
      return {
        ...base,
        versions: this.store.versionsOnBranch(p.id, branch),
        missing: false,
        describe: (x) =>
          `a version of ${name} from branch ${branch} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (input.tag !== undefined) {
      return {
        ...base,
        versions: this.store.versionsWithTag(p.id, input.tag),
        missing: false,
        describe: (x) =>
          `a version of ${name} with tag ${input.tag} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (input.latest) {
      const v = this.store.latestVersion(p.id);
      return {
        ...base,
        versions: v ? [v] : [],
        missing: !v,
        describe: (x) => `the latest version of ${name} (${x?.number ?? "no such version exists"})`,
      };
    }
    return {
      ...base,
      versions: this.store.listVersions(p.id),
      missing: false,
      describe: (x) => (x ? `version ${x.number} of ${name}` : `any version of ${name}`),
    };
  }

  /** The versions of an integrated pacticipant a single-selector query is checked against. */
  private inferredTarget(other: PacticipantRow, query: MatrixQuery): Target | null {
    const name = other.name;
    if (query.environment !== undefined) {
      const env = this.store.findEnvironmentByName(query.environment);
      if (!env)
        throw new BrokerValidationError({
          environment: [`Environment with name '${query.environment}' does not exist`],
        });
      const ids = new Set<number>();
      for (const d of this.store.currentlyDeployed({ environmentId: env.id, pacticipantId: other.id }))
        ids.add(d.version_id);
      for (const r of this.store.currentlySupported({ environmentId: env.id, pacticipantId: other.id }))
        ids.add(r.version_id);
      const versions = [...ids].sort((a, b) => b - a).map((id) => this.store.versionById(id));
      return {
        versions,
        describe: (v, count) =>
          v
            ? `${count > 1 ? "one of the versions" : "the version"} of ${name} currently deployed to ${query.environment} (${v.number})`
            : `the version of ${name} currently deployed to ${query.environment} (no such version exists)`,
      };
    }
    if (query.tag !== undefined) {
      const v = this.store.latestVersion(other.id, { tag: query.tag });
      return {
        versions: v ? [v] : [],
        describe: (x) =>
          `the latest version of ${name} with tag ${query.tag} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (query.mainBranch) {
      const branch = other.main_branch;
      const v = branch ? this.store.latestVersion(other.id, { branch }) : undefined;
      return {
        versions: v ? [v] : [],
        describe: (x) =>
          `the latest version of ${name} from branch ${branch ?? "(none)"} (${x?.number ?? "no such version exists"})`,
      };
    }
    if (query.latest) {
      const v = this.store.latestVersion(other.id);
      return {
        versions: v ? [v] : [],
        describe: (x) => `the latest version of ${name} (${x?.number ?? "no such version exists"})`,
      };
    }
    return null;
  }
}

function row(
  pub: PublicationView,
  consumerVersion: VersionRow,
  providerVersion: VersionRow | null,
  verification: VerificationView | null,
  consumerDescription: string,
  providerDescription: string,
): Omit<Row, "ignored"> {
  return {
    consumer: pub.consumer,
    consumerVersion,
    provider: pub.provider,
    providerVersion,
    publication: pub,
    verification,
    consumerDescription,
    providerDescription,
  };
}

function latestPerProviderVersion(list: VerificationView[]): VerificationView[] {
  const seen = new Set<number>();
  const out: VerificationView[] = [];
  for (const v of list) {
    if (seen.has(v.providerVersion.id)) continue;
    seen.add(v.providerVersion.id);
    out.push(v);
  }
  return out;
}

function dedupe(rows: Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.consumerVersion.id}:${r.provider.id}:${r.providerVersion?.id ?? "-"}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function applyLatestBy(rows: Row[], latestby: MatrixQuery["latestby"]): Row[] {
  if (latestby !== "cvp" && latestby !== "cp") return rows;
  const best = new Map<string, Row>();
  const order: string[] = [];
  const rank = (r: Row): number => (r.providerVersion ? r.providerVersion.id : -1);
  for (const r of rows) {
    const key =
      latestby === "cvp" ? `${r.consumerVersion.id}:${r.provider.id}` : `${r.consumer.id}:${r.provider.id}`;
    const current = best.get(key);
    if (!current) {
      best.set(key, r);
      order.push(key);
      continue;
    }
    const better =
      latestby === "cp" && r.consumerVersion.id !== current.consumerVersion.id
        ? r.consumerVersion.id > current.consumerVersion.id
        : rank(r) > rank(current);
    if (better) best.set(key, r);
  }
  return order.map((k) => best.get(k)!);
}

function summarise(specified: ResolvedSpecified[], rows: Row[]): MatrixResult {
  const considered = rows.filter((r) => !r.ignored);
  const ignored = rows.filter((r) => r.ignored);
  const success = (r: Row): boolean | null =>
    r.verification ? r.verification.verification.success === 1 : null;
  const counts: MatrixResult["counts"] = {
    success: considered.filter((r) => success(r) === true).length,
    failed: considered.filter((r) => success(r) === false).length,
    unknown: considered.filter((r) => success(r) === null).length,
  };
  if (ignored.length > 0) counts.ignored = ignored.length;

  const missing = specified.filter((s) => s.missing);
  if (missing.length > 0) {
    return {
      deployable: false,
      reasons: missing.map((s) => ({ type: "error" as const, text: versionDoesNotExist(s.input) })),
      counts,
      rows,
    };
  }
  const errors: { type: "error"; text: string }[] = [];
  for (const r of considered.filter((x) => success(x) === false)) {
    errors.push({
      type: "error",
      text: `The verification for the pact between ${r.consumerDescription} and ${r.providerDescription} failed`,
    });
  }
  for (const r of considered.filter((x) => success(x) === null)) {
    errors.push({
      type: "error",
      text: `There is no verified pact between ${r.consumerDescription} and ${r.providerDescription}`,
    });
  }
  const warnings = ignored
    .filter((r) => success(r) !== true)
    .map((r) => ({
      type: "warning" as const,
      text:
        success(r) === false
          ? `[IGNORED] The verification for the pact between ${r.consumerDescription} and ${r.providerDescription} failed`
          : `[IGNORED] There is no verified pact between ${r.consumerDescription} and ${r.providerDescription}`,
    }));
  const deployable = considered.some((r) => success(r) === null)
    ? null
    : considered.every((r) => success(r) === true);
  const unique = <T extends { text: string }>(list: T[]): T[] =>
    list.filter((x, i) => list.findIndex((y) => y.text === x.text) === i);
  const reasons =
    errors.length > 0
      ? [...unique(errors), ...warnings]
      : [
          {
            type: "success" as const,
            text:
              considered.length > 0
                ? "All required verification results are published and successful"
                : "There are no missing dependencies",
          },
          ...warnings,
        ];
  return { deployable, reasons, counts, rows };
}

function versionDoesNotExist(s: MatrixSelectorInput): string {
  if (s.tag) return `No version with tag ${s.tag} exists for ${s.pacticipant}`;
  if (s.version)
    return `No pacts or verifications have been published for version ${s.version} of ${s.pacticipant}`;
  if (s.branch) return `No version of ${s.pacticipant} from branch ${s.branch} exists`;
  if (s.mainBranch) return `No version of ${s.pacticipant} from the main branch exists`;
  return `No pacts or verifications have been published for ${s.pacticipant}`;
}

/** The JSON body of `/matrix` and `/can-i-deploy` (MatrixDecorator), plus `notices` as the CLI prints them. */
export function decorateMatrix(
  result: MatrixResult,
  urls: BrokerUrls,
  store: BrokerStore,
): Record<string, unknown> {
  // Branches and tags the row's publication and verification views already hold are not read again.
  const known = (v: VersionRow, view: { id: number; branches: string[]; tags: string[] } | undefined) =>
    view?.id === v.id
      ? view
      : {
          branches: store.branchesOfVersion(v.id),
          tags: store.tagsOfVersion(v.id).map((t) => t.name),
        };
  const tagsOf = (pacticipant: PacticipantRow, v: VersionRow, names: string[]): Record<string, unknown>[] =>
    names.map((name) => ({
      name,
      latest: store.isLatestForTag(pacticipant.id, v.id, name),
      _links: { self: { href: urls.tag(pacticipant.name, v.number, name) } },
    }));
  const versionOf = (
    pacticipant: PacticipantRow,
    v: VersionRow,
    extras: { branches: string[]; tags: string[] },
  ) => ({
    number: v.number,
    branch: extras.branches.at(-1) ?? null,
    _links: { self: { href: urls.version(pacticipant.name, v.number) } },
    tags: tagsOf(pacticipant, v, extras.tags),
  });
  const line = (r: Row): Record<string, unknown> => ({
    consumer: {
      name: r.consumer.name,
      version: versionOf(
        r.consumer,
        r.consumerVersion,
        known(r.consumerVersion, {
          id: r.publication.consumerVersion.id,
          branches: r.publication.branches,
          tags: r.publication.tags,
        }),
      ),
      _links: { self: { href: urls.pacticipant(r.consumer.name) } },
    },
    provider: {
      name: r.provider.name,
      version: r.providerVersion
        ? versionOf(
            r.provider,
            r.providerVersion,
            known(
              r.providerVersion,
              r.verification
                ? {
                    id: r.verification.providerVersion.id,
                    branches: r.verification.providerBranches,
                    tags: r.verification.providerTags,
                  }
                : undefined,
            ),
          )
        : null,
      _links: { self: { href: urls.pacticipant(r.provider.name) } },
    },
    pact: {
      createdAt: r.publication.publication.created_at,
      _links: {
        self: {
          href: urls.pactForConsumerVersion(r.provider.name, r.consumer.name, r.consumerVersion.number),
        },
      },
    },
    verificationResult: r.verification
      ? {
          success: r.verification.verification.success === 1,
          verifiedAt: r.verification.verification.created_at,
          _links: {
            self: {
              href: urls.verification(
                r.provider.name,
                r.consumer.name,
                r.publication.pactVersion.sha,
                r.verification.verification.number,
              ),
            },
          },
        }
      : null,
    ...(r.ignored ? { ignored: true } : {}),
  });
  return {
    summary: {
      deployable: result.deployable,
      reason: result.reasons.map((x) => x.text).join("\n"),
      ...result.counts,
    },
    notices: result.reasons.map((x) => ({ type: x.type, text: x.text })),
    matrix: [...result.rows.filter((r) => !r.ignored), ...result.rows.filter((r) => r.ignored)].map(line),
  };
}
