/**
 * The broker's HAL API: one handler per resource, registered in a route table. Handlers are
 * synchronous (better-sqlite3 is) and return a status and a body; errors are thrown as the typed
 * errors in broker-errors.ts and turned into JSON by the server.
 */
import { z } from "zod";
import {
  BrokerConflictError,
  BrokerContractConflictError,
  BrokerNotFoundError,
  BrokerValidationError,
  type ValidationErrors,
} from "../errors.ts";
import {
  pactContentSha,
  type BrokerStore,
  type PacticipantRow,
  type PactVersionRow,
  type PublicationRow,
  type PublicationView,
  type VersionRow,
} from "../store/store.ts";
import { RELATION_DOCS, relationDocPage } from "../docs.ts";
import { decodeMetadata, type BrokerUrls, type PactUrlMetadata } from "../urls.ts";
import {
  deployedVersionResource,
  embeddedVersion,
  environmentResource,
  indexResource,
  pacticipantResource,
  pactResource,
  releasedVersionResource,
  verificationResource,
  versionResource,
  type HalBody,
} from "../hal-resources.ts";
import { Matrix, decorateMatrix, parseCanIDeployQuery, parseMatrixQuery } from "../matrix.ts";
import {
  PactsForVerification,
  decorateVerifiablePact,
  parsePactsForVerificationRequest,
} from "../pacts-for-verification.ts";
import { RouteTable } from "../route-table.ts";

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  urls: BrokerUrls;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type ApiHandler = (req: ApiRequest) => ApiResponse;

const ok = (body: unknown): ApiResponse => ({ status: 200, body });
const created = (body: HalBody, location?: string): ApiResponse => ({
  status: 201,
  body,
  headers: location ? { Location: location } : undefined,
});

function p(req: ApiRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw new Error(`route parameter ${name} missing`);
  return v;
}

function zodErrors(error: z.ZodError): ValidationErrors {
  const errors: ValidationErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "body";
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === undefined) throw BrokerValidationError.single("body", "a JSON request body is required");
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new BrokerValidationError(zodErrors(parsed.error));
  return parsed.data;
}

// ------------------------------------------------------------------ schemas

const nonEmpty = (field: string) =>
  z
    .string({ error: `${field} is missing or not a string` })
    .trim()
    .min(1, `${field} cannot be blank`);

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

const pacticipantSchema = z.object({
  name: z.string().trim().min(1, "name cannot be blank").optional(),
  displayName: z.string().nullable().optional(),
  mainBranch: z.string().trim().min(1, "mainBranch cannot be blank").nullable().optional(),
  repositoryUrl: z.string().nullable().optional(),
});

const environmentSchema = z.object({
  name: z
    .string({ error: "name is missing or not a string" })
    .trim()
    .min(1, "name cannot be blank")
    .regex(/^\S+$/, "name cannot contain spaces"),
  displayName: z.string().nullable().optional(),
  production: z.boolean({ error: "production is missing or not a boolean" }),
  contacts: z.array(z.unknown()).optional(),
});

const verificationSchema = z.object({
  providerApplicationVersion: nonEmpty("providerApplicationVersion"),
  success: z.boolean({ error: "success is missing or not a boolean" }),
  buildUrl: z.string().optional(),
  testResults: z.unknown().optional(),
  verifiedBy: z.unknown().optional(),
});

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

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

// ------------------------------------------------------------------ the API

/** Where the broker follows the Pact Broker's configurable behaviour (same names, same defaults). */
export interface BrokerBehaviour {
  /**
   * Default true: when a version is put on a branch named in `mainBranchCandidates` and its
   * pacticipant has no main branch yet, that branch becomes its main branch.
   */
  autoDetectMainBranch?: boolean;
  /** Default ["develop", "main", "master"], in the Pact Broker's order. */
  mainBranchCandidates?: string[];
  /**
   * Default false: publishing different pact content under a consumer version that already
   * has a pact with that provider is refused (409), because can-i-deploy could then answer
   * for content nobody verified. True accepts it with a warning notice.
   */
  allowDangerousContractModification?: boolean;
}

export const DEFAULT_MAIN_BRANCH_CANDIDATES = ["develop", "main", "master"];

export class BrokerApi {
  readonly routes = new RouteTable<ApiHandler>();
  private readonly pactsForVerification: PactsForVerification;
  private readonly matrix: Matrix;
  private readonly behaviour: Required<BrokerBehaviour>;

  constructor(
    private readonly store: BrokerStore,
    behaviour: BrokerBehaviour = {},
  ) {
    this.pactsForVerification = new PactsForVerification(store);
    this.matrix = new Matrix(store);
    this.behaviour = {
      autoDetectMainBranch: behaviour.autoDetectMainBranch ?? true,
      mainBranchCandidates: behaviour.mainBranchCandidates ?? DEFAULT_MAIN_BRANCH_CANDIDATES,
      allowDangerousContractModification: behaviour.allowDangerousContractModification ?? false,
    };
    this.register();
  }

  /** Puts a version on a branch, and makes that branch the main one when it is a candidate and none is set. */
  private addBranch(pacticipantId: number, branch: string, versionId: number): boolean {
    const added = this.store.addBranchVersion(pacticipantId, branch, versionId);
    if (this.behaviour.autoDetectMainBranch && this.behaviour.mainBranchCandidates.includes(branch))
      this.store.setMainBranchIfUnset(pacticipantId, branch);
    return added;
  }

  /** Why publishing `content` under this consumer version would modify its pact, or undefined when it would not. */
  private modification(
    consumer: PacticipantRow | undefined,
    versionNumber: string,
    providerName: string,
    content: Record<string, unknown>,
  ): string | undefined {
    if (this.behaviour.allowDangerousContractModification || !consumer) return undefined;
    const version = this.store.findVersion(consumer.id, versionNumber);
    const provider = this.store.findPacticipant(providerName);
    if (!version || !provider) return undefined;
    const existing = this.store.latestPublication(version.id, provider.id);
    if (!existing) return undefined;
    if (this.store.pactVersionById(existing.pact_version_id).sha === pactContentSha(content))
      return undefined;
    return (
      `Cannot change the content of the pact for ${consumer.name} version ${versionNumber} and provider ${provider.name}, ` +
      "as race conditions will cause unreliable results for can-i-deploy. Each pact must be published with a unique " +
      "consumer version number (e.g. the git commit). Some Pact libraries generate random data when a concrete value " +
      "for a type matcher is not given, which makes the contract change: give example values for every matcher. " +
      "(The broker accepts it only when started with --allow-dangerous-contract-modification.)"
    );
  }

  private register(): void {
    const r = this.routes;
    r.add("GET", "/", (req) => ok(indexResource(req.urls)));
    r.add("GET", "/diagnostic/status/heartbeat", () => ok({ ok: true, _links: {} }));
    r.add("GET", "/doc/:rel", (req) => {
      const page = relationDocPage(p(req, "rel"));
      if (page === undefined)
        throw new BrokerNotFoundError(
          `No documentation for relation '${p(req, "rel")}': this broker's relations are ${Object.keys(RELATION_DOCS).join(", ")}`,
        );
      return { status: 200, body: page, headers: { "Content-Type": "text/html;charset=utf-8" } };
    });

    r.add("POST", "/contracts/publish", (req) => this.publishContracts(req));

    r.add("GET", "/pacticipants", (req) => this.listPacticipants(req));
    r.add("POST", "/pacticipants", (req) => this.createPacticipant(req));
    r.add("GET", "/pacticipants/:name", (req) =>
      ok(pacticipantResource(this.store, req.urls, this.store.getPacticipant(p(req, "name")))),
    );
    r.add("PATCH", "/pacticipants/:name", (req) => this.updatePacticipant(req, "patch"));
    r.add("PUT", "/pacticipants/:name", (req) => this.updatePacticipant(req, "put"));

    r.add("GET", "/pacticipants/:name/versions", (req) => this.listVersions(req));
    r.add("GET", "/pacticipants/:name/versions/:version", (req) => {
      const pc = this.store.getPacticipant(p(req, "name"));
      return ok(versionResource(this.store, req.urls, pc, this.store.getVersion(pc, p(req, "version"))));
    });
    r.add("PUT", "/pacticipants/:name/versions/:version", (req) => this.putVersion(req));
    r.add("GET", "/pacticipants/:name/latest-version", (req) => this.latestVersion(req));
    r.add("GET", "/pacticipants/:name/latest-version/:tag", (req) => this.latestVersion(req));
    r.add("GET", "/pacticipants/:name/versions/:version/latest-verification-results", (req) =>
      this.latestVerificationsForConsumerVersion(req),
    );
    r.add("GET", "/pacticipants/:name/versions/:version/tags/:tag", (req) => this.getTag(req));
    r.add("PUT", "/pacticipants/:name/versions/:version/tags/:tag", (req) => this.putTag(req));
    r.add("DELETE", "/pacticipants/:name/versions/:version/tags/:tag", (req) => this.deleteTag(req));
    r.add("GET", "/pacticipants/:name/branches", (req) => this.listBranches(req));
    r.add("GET", "/pacticipants/:name/branches/:branch", (req) => this.getBranch(req));
    r.add("GET", "/pacticipants/:name/branches/:branch/versions/:version", (req) =>
      this.getBranchVersion(req),
    );
    r.add("PUT", "/pacticipants/:name/branches/:branch/versions/:version", (req) =>
      this.putBranchVersion(req),
    );

    r.add("POST", "/pacticipants/:name/versions/:version/deployed-versions/environment/:uuid", (req) =>
      this.recordDeployment(req),
    );
    r.add("GET", "/pacticipants/:name/versions/:version/deployed-versions/environment/:uuid", (req) =>
      this.listDeployedForVersion(req),
    );
    r.add("POST", "/pacticipants/:name/versions/:version/released-versions/environment/:uuid", (req) =>
      this.recordRelease(req),
    );
    r.add("GET", "/pacticipants/:name/versions/:version/released-versions/environment/:uuid", (req) =>
      this.listReleasedForVersion(req),
    );
    r.add("GET", "/deployed-versions/:uuid", (req) => this.getDeployedVersion(req));
    r.add("PATCH", "/deployed-versions/:uuid", (req) => this.patchDeployedVersion(req));
    r.add("GET", "/released-versions/:uuid", (req) => this.getReleasedVersion(req));
    r.add("PATCH", "/released-versions/:uuid", (req) => this.patchReleasedVersion(req));

    r.add("GET", "/environments", (req) => this.listEnvironments(req));
    r.add("POST", "/environments", (req) => this.createEnvironment(req));
    r.add("GET", "/environments/:uuid", (req) =>
      ok(environmentResource(req.urls, this.store.getEnvironmentByUuid(p(req, "uuid")))),
    );
    r.add("PUT", "/environments/:uuid", (req) => this.updateEnvironment(req));
    r.add("DELETE", "/environments/:uuid", (req) => {
      this.store.deleteEnvironment(p(req, "uuid"));
      return { status: 204 };
    });
    r.add("GET", "/environments/:uuid/deployed-versions/currently-deployed", (req) =>
      this.currentlyDeployed(req),
    );
    r.add("GET", "/environments/:uuid/released-versions/currently-supported", (req) =>
      this.currentlySupported(req),
    );

    r.add("GET", "/pacts/latest", (req) => this.latestPacts(req));
    r.add("GET", "/pacts/provider/:provider/consumer/:consumer/version/:version", (req) =>
      this.getPactForVersion(req),
    );
    r.add("PUT", "/pacts/provider/:provider/consumer/:consumer/version/:version", (req) => this.putPact(req));
    r.add("GET", "/pacts/provider/:provider/consumer/:consumer/latest", (req) => this.getLatestPact(req));
    r.add("GET", "/pacts/provider/:provider/consumer/:consumer/latest/:tag", (req) =>
      this.getLatestPact(req),
    );
    r.add("GET", "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha", (req) =>
      this.getPactVersion(req),
    );
    r.add("GET", "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata", (req) =>
      this.getPactVersion(req),
    );
    r.add(
      "POST",
      "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results",
      (req) => this.publishVerification(req),
    );
    r.add(
      "POST",
      "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/metadata/:metadata/verification-results",
      (req) => this.publishVerification(req),
    );
    r.add(
      "GET",
      "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results/latest",
      (req) => this.getLatestVerification(req),
    );
    r.add(
      "GET",
      "/pacts/provider/:provider/consumer/:consumer/pact-version/:sha/verification-results/:number",
      (req) => this.getVerification(req),
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
    r.add("POST", "/pacts/provider/:provider/for-verification", (req) => this.pactsForVerificationPost(req));
    r.add("GET", "/pacts/provider/:provider", (req) => this.providerPacts(req));
    r.add("GET", "/pacts/provider/:provider/tag/:tag", (req) => this.providerPacts(req));
    r.add("GET", "/pacts/provider/:provider/latest", (req) => this.latestProviderPacts(req));
    r.add("GET", "/pacts/provider/:provider/latest/:tag", (req) => this.latestProviderPacts(req));

    r.add("GET", "/matrix", (req) =>
      ok(decorateMatrix(this.matrix.run(parseMatrixQuery(req.query)), req.urls, this.store)),
    );
    r.add("GET", "/can-i-deploy", (req) =>
      ok(decorateMatrix(this.matrix.run(parseCanIDeployQuery(req.query)), req.urls, this.store)),
    );
  }

  // ---------------------------------------------------------------- publishing

  private publishContracts(req: ApiRequest): ApiResponse {
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
    return this.store.write(() => {
      // As the Pact Broker: conflicts are checked before anything (version, branch, tags) is written.
      const conflicts = decoded
        .map(({ contract, content }) =>
          this.modification(
            this.store.findPacticipant(body.pacticipantName),
            body.pacticipantVersionNumber,
            contract.providerName,
            content,
          ),
        )
        .filter((x): x is string => x !== undefined);
      if (conflicts.length > 0) throw new BrokerContractConflictError(conflicts);
      const consumer = this.store.ensurePacticipant(body.pacticipantName);
      const existingVersion = this.store.findVersion(consumer.id, body.pacticipantVersionNumber);
      const version = this.store.ensureVersion(consumer.id, body.pacticipantVersionNumber, body.buildUrl);
      if (body.branch) this.addBranch(consumer.id, body.branch, version.id);
      for (const tag of body.tags ?? []) this.store.addTag(version.id, tag);

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
        const provider = this.store.ensurePacticipant(contract.providerName);
        const result = this.store.publishPact({
          consumerVersion: version,
          provider,
          content,
          merge: contract.onConflict === "merge",
        });
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
      return ok(responseBody);
    });
  }

  /** Legacy `PUT /pacts/provider/P/consumer/C/version/V` publishing (older clients). */
  private putPact(req: ApiRequest): ApiResponse {
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
    return this.store.write(() => {
      const conflict = this.modification(
        this.store.findPacticipant(consumerName),
        number,
        providerName,
        content,
      );
      if (conflict) throw new BrokerConflictError(conflict);
      const consumer = this.store.ensurePacticipant(consumerName);
      const provider = this.store.ensurePacticipant(providerName);
      const version = this.store.ensureVersion(consumer.id, number);
      const result = this.store.publishPact({ consumerVersion: version, provider, content, merge: false });
      const body = this.pactBody(
        req.urls,
        consumer,
        provider,
        version,
        result.publication,
        result.pactVersion,
      );
      return { status: result.created ? 201 : 200, body };
    });
  }

  // ---------------------------------------------------------------- pacticipants

  private listPacticipants(req: ApiRequest): ApiResponse {
    const list = this.store.listPacticipants().map((pc) => pacticipantResource(this.store, req.urls, pc));
    return ok({
      // Top-level `pacticipants` is what `pact broker list-pacticipants` reads (the Pact Broker keeps it too).
      pacticipants: list,
      _embedded: { pacticipants: list },
      _links: {
        self: { href: req.urls.pacticipants(), title: "Pacticipants" },
        "pb:pacticipants": list.map((x) => x._links.self),
      },
    });
  }

  private createPacticipant(req: ApiRequest): ApiResponse {
    const body = parseBody(pacticipantSchema, req.body);
    if (!body.name) throw BrokerValidationError.single("name", "name is missing");
    const pc = this.store.createPacticipant({
      name: body.name,
      displayName: body.displayName,
      mainBranch: body.mainBranch,
      repositoryUrl: body.repositoryUrl,
    });
    return created(pacticipantResource(this.store, req.urls, pc), req.urls.pacticipant(pc.name));
  }

  private updatePacticipant(req: ApiRequest, mode: "patch" | "put"): ApiResponse {
    const name = p(req, "name");
    const body = parseBody(pacticipantSchema, req.body);
    if (body.name !== undefined && body.name !== name) {
      throw BrokerValidationError.single(
        "name",
        `name in the body ('${body.name}') does not match the name in the path ('${name}')`,
      );
    }
    const fields =
      mode === "put"
        ? {
            displayName: body.displayName ?? null,
            mainBranch: body.mainBranch ?? null,
            repositoryUrl: body.repositoryUrl ?? null,
          }
        : { displayName: body.displayName, mainBranch: body.mainBranch, repositoryUrl: body.repositoryUrl };
    const { pacticipant, created: wasCreated } = this.store.upsertPacticipant(name, fields);
    const resource = pacticipantResource(this.store, req.urls, pacticipant);
    return wasCreated ? created(resource, req.urls.pacticipant(name)) : ok(resource);
  }

  // ---------------------------------------------------------------- versions, tags, branches

  private listVersions(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const versions = this.store.listVersions(pc.id).map((v) => versionResource(this.store, req.urls, pc, v));
    return ok({
      _embedded: { versions },
      _links: {
        self: { href: req.urls.versions(pc.name), title: "Versions" },
        "pb:pacticipant": { href: req.urls.pacticipant(pc.name), name: pc.name },
      },
    });
  }

  private putVersion(req: ApiRequest): ApiResponse {
    const body = parseBody(
      z.object({
        buildUrl: z.string().optional(),
        branch: z.string().min(1).optional(),
        tags: z.array(z.object({ name: z.string().min(1) })).optional(),
      }),
      req.body ?? {},
    );
    return this.store.write(() => {
      const pc = this.store.ensurePacticipant(p(req, "name"));
      const existing = this.store.findVersion(pc.id, p(req, "version"));
      const v = this.store.ensureVersion(pc.id, p(req, "version"), body.buildUrl);
      if (body.branch) this.addBranch(pc.id, body.branch, v.id);
      for (const t of body.tags ?? []) this.store.addTag(v.id, t.name);
      const resource = versionResource(this.store, req.urls, pc, v);
      return existing ? ok(resource) : created(resource);
    });
  }

  private latestVersion(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const tag = req.params.tag;
    const v = this.store.latestVersion(pc.id, tag === undefined ? {} : { tag });
    if (!v)
      throw new BrokerNotFoundError(
        `No ${tag === undefined ? "" : `'${tag}' tagged `}version of ${pc.name} found`,
      );
    return ok(versionResource(this.store, req.urls, pc, v));
  }

  private tagBody(req: ApiRequest, pc: PacticipantRow, v: VersionRow, tag: string): HalBody {
    const row = this.store.tagsOfVersion(v.id).find((t) => t.name === tag);
    return {
      name: tag,
      createdAt: row?.created_at,
      _links: {
        self: { href: req.urls.tag(pc.name, v.number, tag), title: "Tag", name: tag },
        "pb:version": { href: req.urls.version(pc.name, v.number), title: "Version", name: v.number },
        "pb:pacticipant": { href: req.urls.pacticipant(pc.name), title: "Pacticipant", name: pc.name },
      },
    };
  }

  private getTag(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const v = this.store.getVersion(pc, p(req, "version"));
    const tag = p(req, "tag");
    if (!this.store.tagsOfVersion(v.id).some((t) => t.name === tag)) {
      throw new BrokerNotFoundError(`No tag '${tag}' on version ${v.number} of ${pc.name}`);
    }
    return ok(this.tagBody(req, pc, v, tag));
  }

  private putTag(req: ApiRequest): ApiResponse {
    return this.store.write(() => {
      const pc = this.store.ensurePacticipant(p(req, "name"));
      const v = this.store.ensureVersion(pc.id, p(req, "version"));
      const added = this.store.addTag(v.id, p(req, "tag"));
      const body = this.tagBody(req, pc, v, p(req, "tag"));
      return added ? created(body, req.urls.tag(pc.name, v.number, p(req, "tag"))) : ok(body);
    });
  }

  private deleteTag(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const v = this.store.getVersion(pc, p(req, "version"));
    if (!this.store.deleteTag(v.id, p(req, "tag")))
      throw new BrokerNotFoundError(`No tag '${p(req, "tag")}' on version ${v.number} of ${pc.name}`);
    return { status: 204 };
  }

  private listBranches(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const branches = this.store.listBranches(pc.id).map((b) => ({
      name: b.name,
      createdAt: b.created_at,
      _links: { self: { href: req.urls.branch(pc.name, b.name), title: "Branch", name: b.name } },
    }));
    return ok({
      _embedded: { branches },
      _links: { self: { href: req.urls.branches(pc.name), title: "Branches" } },
    });
  }

  private getBranch(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const b = this.store.findBranch(pc.id, p(req, "branch"));
    if (!b) throw new BrokerNotFoundError(`No branch '${p(req, "branch")}' of ${pc.name} found`);
    const latest = this.store.latestVersion(pc.id, { branch: b.name });
    return ok({
      name: b.name,
      createdAt: b.created_at,
      _embedded: latest ? { latestVersion: embeddedVersion(req.urls, pc, latest) } : {},
      _links: {
        self: { href: req.urls.branch(pc.name, b.name), title: "Branch", name: b.name },
        "pb:pacticipant": { href: req.urls.pacticipant(pc.name), title: "Pacticipant", name: pc.name },
      },
    });
  }

  private branchVersionBody(req: ApiRequest, pc: PacticipantRow, branch: string, v: VersionRow): HalBody {
    return {
      name: branch,
      latest: this.store.latestVersion(pc.id, { branch })?.id === v.id,
      _embedded: { version: embeddedVersion(req.urls, pc, v) },
      _links: {
        self: {
          href: req.urls.branchVersion(pc.name, branch, v.number),
          title: "Branch version",
          name: branch,
        },
        "pb:branch": { href: req.urls.branch(pc.name, branch), title: "Branch", name: branch },
        "pb:version": { href: req.urls.version(pc.name, v.number), title: "Version", name: v.number },
      },
    };
  }

  private getBranchVersion(req: ApiRequest): ApiResponse {
    const pc = this.store.getPacticipant(p(req, "name"));
    const v = this.store.getVersion(pc, p(req, "version"));
    if (!this.store.branchesOfVersion(v.id).includes(p(req, "branch"))) {
      throw new BrokerNotFoundError(
        `Version ${v.number} of ${pc.name} is not on branch '${p(req, "branch")}'`,
      );
    }
    return ok(this.branchVersionBody(req, pc, p(req, "branch"), v));
  }

  private putBranchVersion(req: ApiRequest): ApiResponse {
    return this.store.write(() => {
      const pc = this.store.ensurePacticipant(p(req, "name"));
      const v = this.store.ensureVersion(pc.id, p(req, "version"));
      const added = this.addBranch(pc.id, p(req, "branch"), v.id);
      const body = this.branchVersionBody(req, pc, p(req, "branch"), v);
      return added ? created(body) : ok(body);
    });
  }

  // ---------------------------------------------------------------- deployments, releases, environments

  private versionAndEnvironment(req: ApiRequest): {
    pc: PacticipantRow;
    v: VersionRow;
    envId: number;
    envName: string;
  } {
    const pc = this.store.getPacticipant(p(req, "name"));
    const v = this.store.getVersion(pc, p(req, "version"));
    const env = this.store.getEnvironmentByUuid(p(req, "uuid"));
    return { pc, v, envId: env.id, envName: env.name };
  }

  private recordDeployment(req: ApiRequest): ApiResponse {
    const body = parseBody(
      z.object({
        applicationInstance: z.string().nullable().optional(),
        target: z.string().nullable().optional(),
      }),
      req.body ?? {},
    );
    const { v, envId } = this.versionAndEnvironment(req);
    const d = this.store.recordDeployment(v.id, envId, body.applicationInstance ?? null);
    return created(deployedVersionResource(this.store, req.urls, d), req.urls.deployedVersion(d.uuid));
  }

  private listDeployedForVersion(req: ApiRequest): ApiResponse {
    const { v, envId } = this.versionAndEnvironment(req);
    const list = this.store
      .deployedVersionsOf(v.id, envId)
      .map((d) => deployedVersionResource(this.store, req.urls, d));
    return ok({
      _embedded: { deployedVersions: list },
      _links: { self: { href: req.urls.recordDeployment(p(req, "name"), v.number, p(req, "uuid")) } },
    });
  }

  private recordRelease(req: ApiRequest): ApiResponse {
    const { v, envId } = this.versionAndEnvironment(req);
    const r = this.store.recordRelease(v.id, envId);
    return created(releasedVersionResource(this.store, req.urls, r), req.urls.releasedVersion(r.uuid));
  }

  private listReleasedForVersion(req: ApiRequest): ApiResponse {
    const { v, envId } = this.versionAndEnvironment(req);
    const list = this.store
      .releasedVersionsOf(v.id, envId)
      .map((x) => releasedVersionResource(this.store, req.urls, x));
    return ok({
      _embedded: { releasedVersions: list },
      _links: { self: { href: req.urls.recordRelease(p(req, "name"), v.number, p(req, "uuid")) } },
    });
  }

  private getDeployedVersion(req: ApiRequest): ApiResponse {
    const d = this.store.findDeployedVersion(p(req, "uuid"));
    if (!d) throw new BrokerNotFoundError(`No deployed version with uuid '${p(req, "uuid")}' found`);
    return ok(deployedVersionResource(this.store, req.urls, d));
  }

  private patchDeployedVersion(req: ApiRequest): ApiResponse {
    const body = parseBody(
      z.object({
        currentlyDeployed: z.literal(false, { error: "currentlyDeployed can only be set to false" }),
      }),
      req.body,
    );
    void body;
    return ok(deployedVersionResource(this.store, req.urls, this.store.markUndeployed(p(req, "uuid"))));
  }

  private getReleasedVersion(req: ApiRequest): ApiResponse {
    const r = this.store.findReleasedVersion(p(req, "uuid"));
    if (!r) throw new BrokerNotFoundError(`No released version with uuid '${p(req, "uuid")}' found`);
    return ok(releasedVersionResource(this.store, req.urls, r));
  }

  private patchReleasedVersion(req: ApiRequest): ApiResponse {
    const body = parseBody(
      z.object({
        currentlySupported: z.literal(false, { error: "currentlySupported can only be set to false" }),
      }),
      req.body,
    );
    void body;
    return ok(releasedVersionResource(this.store, req.urls, this.store.markSupportEnded(p(req, "uuid"))));
  }

  private listEnvironments(req: ApiRequest): ApiResponse {
    const name = req.query.get("name");
    const list = this.store
      .listEnvironments()
      .filter((e) => name === null || e.name === name)
      .map((e) => environmentResource(req.urls, e));
    return ok({
      _embedded: { environments: list },
      _links: { self: { href: req.urls.environments(), title: "Environments" } },
    });
  }

  private createEnvironment(req: ApiRequest): ApiResponse {
    const body = parseBody(environmentSchema, req.body);
    const e = this.store.createEnvironment(body);
    return created(environmentResource(req.urls, e), req.urls.environment(e.uuid));
  }

  private updateEnvironment(req: ApiRequest): ApiResponse {
    const body = parseBody(environmentSchema, req.body);
    return ok(environmentResource(req.urls, this.store.updateEnvironment(p(req, "uuid"), body)));
  }

  private currentlyDeployed(req: ApiRequest): ApiResponse {
    const env = this.store.getEnvironmentByUuid(p(req, "uuid"));
    const name = req.query.get("pacticipant");
    const pc = name ? this.store.findPacticipant(name) : undefined;
    if (name && !pc) return ok({ deployedVersions: [], _embedded: { deployedVersions: [] }, _links: {} });
    const list = this.store
      .currentlyDeployed({ environmentId: env.id, pacticipantId: pc?.id })
      .filter((d) => {
        const instance = req.query.get("applicationInstance");
        return instance === null || d.application_instance === instance;
      })
      .map((d) => deployedVersionResource(this.store, req.urls, d));
    return ok({
      _embedded: { deployedVersions: list },
      _links: {
        self: {
          href: `${req.urls.environment(env.uuid)}/deployed-versions/currently-deployed`,
          title: "Currently deployed versions",
        },
      },
    });
  }

  private currentlySupported(req: ApiRequest): ApiResponse {
    const env = this.store.getEnvironmentByUuid(p(req, "uuid"));
    const name = req.query.get("pacticipant");
    const pc = name ? this.store.findPacticipant(name) : undefined;
    if (name && !pc) return ok({ _embedded: { releasedVersions: [] }, _links: {} });
    const list = this.store
      .currentlySupported({ environmentId: env.id, pacticipantId: pc?.id })
      .map((r) => releasedVersionResource(this.store, req.urls, r));
    return ok({
      _embedded: { releasedVersions: list },
      _links: {
        self: {
          href: `${req.urls.environment(env.uuid)}/released-versions/currently-supported`,
          title: "Currently supported released versions",
        },
      },
    });
  }

  // ---------------------------------------------------------------- pacts

  private pactBody(
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

  private getPactForVersion(req: ApiRequest): ApiResponse {
    const consumer = this.store.getPacticipant(p(req, "consumer"));
    const provider = this.store.getPacticipant(p(req, "provider"));
    const version = this.store.getVersion(consumer, p(req, "version"));
    const pub = this.store.latestPublication(version.id, provider.id);
    if (!pub)
      throw new BrokerNotFoundError(
        `No pact between ${consumer.name} version ${version.number} and ${provider.name} found`,
      );
    return ok(
      this.pactBody(
        req.urls,
        consumer,
        provider,
        version,
        pub,
        this.store.pactVersionById(pub.pact_version_id),
      ),
    );
  }

  private getLatestPact(req: ApiRequest): ApiResponse {
    const consumer = this.store.getPacticipant(p(req, "consumer"));
    const provider = this.store.getPacticipant(p(req, "provider"));
    const tag = req.params.tag;
    const pub = this.store
      .publications({ providerId: provider.id, consumerId: consumer.id })
      .find((x) => tag === undefined || x.tags.includes(tag));
    if (!pub)
      throw new BrokerNotFoundError(
        `No ${tag ? `'${tag}' tagged ` : ""}pact between ${consumer.name} and ${provider.name} found`,
      );
    return ok(
      this.pactBody(
        req.urls,
        consumer,
        provider,
        pub.consumerVersion,
        pub.publication,
        this.store.pactVersionById(pub.pactVersion.id),
        undefined,
        req.urls.latestPact(provider.name, consumer.name, tag),
      ),
    );
  }

  /** The consumer, provider and pact version a `/pacts/provider/P/consumer/C/pact-version/SHA...` path names. */
  private pactVersionOf(req: ApiRequest): {
    consumer: PacticipantRow;
    provider: PacticipantRow;
    pv: PactVersionRow;
  } {
    const consumer = this.store.getPacticipant(p(req, "consumer"));
    const provider = this.store.getPacticipant(p(req, "provider"));
    const pv = this.store.findPactVersion(consumer.id, provider.id, p(req, "sha"));
    if (!pv)
      throw new BrokerNotFoundError(
        `No pact version ${p(req, "sha")} between ${consumer.name} and ${provider.name} found`,
      );
    return { consumer, provider, pv };
  }

  private getPactVersion(req: ApiRequest): ApiResponse {
    const { consumer, provider, pv } = this.pactVersionOf(req);
    const metadata = req.params.metadata === undefined ? undefined : decodeMetadata(req.params.metadata);
    const pubs = this.store
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
      this.pactBody(
        req.urls,
        consumer,
        provider,
        pub.consumerVersion,
        pub.publication,
        pv,
        metadata ?? { cv: [pub.consumerVersion.number] },
        self,
      ),
    );
  }

  private latestPacts(req: ApiRequest): ApiResponse {
    const seen = new Set<string>();
    const pacts = this.store
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
              href: req.urls.pactForConsumerVersion(
                x.provider.name,
                x.consumer.name,
                x.consumerVersion.number,
              ),
            },
          ],
        },
      }));
    return ok({ pacts, _links: { self: { href: `${req.urls.base}/pacts/latest` } } });
  }

  private latestProviderPacts(req: ApiRequest): ApiResponse {
    const tag = req.params.tag;
    const seen = new Set<number>();
    return this.providerPactList(
      req,
      (x) =>
        (tag === undefined || x.tags.includes(tag)) && !seen.has(x.consumer.id) && !!seen.add(x.consumer.id),
      (provider) => req.urls.latestProviderPacts(provider, tag),
    );
  }

  /** Every pact version of the provider: the latest revision of each consumer version's pact. */
  private providerPacts(req: ApiRequest): ApiResponse {
    const tag = req.params.tag;
    return this.providerPactList(
      req,
      (x) => tag === undefined || x.tags.includes(tag),
      (provider) => req.urls.providerPacts(provider, tag),
    );
  }

  private providerPactList(
    req: ApiRequest,
    keep: (x: PublicationView) => boolean,
    self: (provider: string) => string,
  ): ApiResponse {
    const provider = this.store.getPacticipant(p(req, "provider"));
    const links = this.store
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

  private pactsForVerificationPost(req: ApiRequest): ApiResponse {
    const request = parsePactsForVerificationRequest(req.body);
    const provider = this.store.findPacticipant(p(req, "provider"));
    const pacts = provider ? this.pactsForVerification.find(provider, request).pacts : [];
    const providerName = provider?.name ?? p(req, "provider");
    return ok({
      _embedded: { pacts: pacts.map((x) => decorateVerifiablePact(x, req.urls, providerName, request)) },
      _links: {
        self: { href: req.urls.providerPactsForVerification(providerName), title: "Pacts to be verified" },
      },
    });
  }

  // ---------------------------------------------------------------- verification results

  private publishVerification(req: ApiRequest): ApiResponse {
    const body = parseBody(verificationSchema, req.body);
    const { consumer, provider, pv } = this.pactVersionOf(req);
    const metadata = req.params.metadata === undefined ? undefined : decodeMetadata(req.params.metadata);
    return this.store.write(() => {
      const providerVersion = this.store.ensureVersion(
        provider.id,
        body.providerApplicationVersion,
        body.buildUrl,
      );
      const v = this.store.createVerification({
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
      return created(
        resource,
        resource._links.self && !Array.isArray(resource._links.self) ? resource._links.self.href : undefined,
      );
    });
  }

  private getLatestVerification(req: ApiRequest): ApiResponse {
    const { consumer, provider, pv } = this.pactVersionOf(req);
    const latest = this.store.verificationsFor([pv.id]).get(pv.id)?.[0];
    if (!latest)
      throw new BrokerNotFoundError(
        `Pact version ${pv.sha} between ${consumer.name} and ${provider.name} has no verification results yet`,
      );
    return ok(
      verificationResource(req.urls, consumer, provider, pv, latest.providerVersion, latest.verification),
    );
  }

  /** The latest verification of each pact this consumer version published, and a summary per provider. */
  private latestVerificationsForConsumerVersion(req: ApiRequest): ApiResponse {
    const consumer = this.store.getPacticipant(p(req, "name"));
    const version = this.store.getVersion(consumer, p(req, "version"));
    const pubs = this.store.publications({ consumerVersionId: version.id });
    const verifications = this.store.verificationsFor(pubs.map((x) => x.pactVersion.id));
    const summary = { successful: [] as string[], failed: [] as string[], unknown: [] as string[] };
    const results: HalBody[] = [];
    for (const pub of pubs) {
      const latest = verifications.get(pub.pactVersion.id)?.[0];
      if (!latest) {
        summary.unknown.push(pub.provider.name);
        continue;
      }
      (latest.verification.success === 1 ? summary.successful : summary.failed).push(pub.provider.name);
      const pv = this.store.pactVersionById(pub.pactVersion.id);
      results.push(
        verificationResource(
          req.urls,
          consumer,
          pub.provider,
          pv,
          latest.providerVersion,
          latest.verification,
        ),
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

  private getVerification(req: ApiRequest): ApiResponse {
    const consumer = this.store.getPacticipant(p(req, "consumer"));
    const provider = this.store.getPacticipant(p(req, "provider"));
    const pv = this.store.findPactVersion(consumer.id, provider.id, p(req, "sha"));
    const number = Number(p(req, "number"));
    const v = pv && Number.isInteger(number) ? this.store.findVerification(pv.id, number) : undefined;
    if (!pv || !v)
      throw new BrokerNotFoundError(
        `No verification result ${p(req, "number")} for pact version ${p(req, "sha")} found`,
      );
    return ok(
      verificationResource(
        req.urls,
        consumer,
        provider,
        pv,
        this.store.versionById(v.provider_version_id),
        v,
      ),
    );
  }
}
