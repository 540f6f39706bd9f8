/** HAL JSON of the broker's resources, shaped like the Pact Broker's decorators. */
import type {
  BrokerStore,
  DeployedVersionRow,
  EnvironmentRow,
  PacticipantRow,
  PactVersionRow,
  PublicationRow,
  ReleasedVersionRow,
  VerificationRow,
  VersionRow,
} from "./store/store.ts";
import type { BrokerUrls } from "./urls.ts";

export type HalLink = { href: string; title?: string; name?: string; templated?: boolean };
export type HalBody = Record<string, unknown> & { _links: Record<string, HalLink | HalLink[]> };

export function indexResource(urls: BrokerUrls): HalBody {
  const b = urls.base;
  const t = (href: string, title: string): HalLink => ({ href, title, templated: true });
  const l = (href: string, title: string): HalLink => ({ href, title, templated: false });
  return {
    _links: {
      self: l(b, "Index"),
      "pb:publish-pact": t(
        `${b}/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}`,
        "Publish a pact",
      ),
      "pb:publish-contracts": l(`${b}/contracts/publish`, "Publish contracts"),
      "pb:latest-pact-versions": l(`${b}/pacts/latest`, "Latest pact versions"),
      "pb:pacticipants": l(`${b}/pacticipants`, "Pacticipants"),
      "pb:pacticipant": t(`${b}/pacticipants/{pacticipant}`, "Fetch pacticipant by name"),
      "pb:latest-provider-pacts": t(`${b}/pacts/provider/{provider}/latest`, "Latest pacts by provider"),
      "pb:latest-provider-pacts-with-tag": t(
        `${b}/pacts/provider/{provider}/latest/{tag}`,
        "Latest pacts for provider with the specified tag",
      ),
      "pb:provider-pacts-with-tag": t(
        `${b}/pacts/provider/{provider}/tag/{tag}`,
        "All pact versions for the provider with the specified consumer version tag",
      ),
      "pb:provider-pacts": t(
        `${b}/pacts/provider/{provider}`,
        "All pact versions for the specified provider",
      ),
      "pb:provider-pacts-for-verification": t(
        `${b}/pacts/provider/{provider}/for-verification`,
        "Pact versions to be verified for the specified provider",
      ),
      "pb:latest-version": t(`${b}/pacticipants/{pacticipant}/latest-version`, "Latest pacticipant version"),
      "pb:latest-tagged-version": t(
        `${b}/pacticipants/{pacticipant}/latest-version/{tag}`,
        "Latest pacticipant version with the specified tag",
      ),
      "pb:pacticipant-version": t(
        `${b}/pacticipants/{pacticipant}/versions/{version}`,
        "Get, create or delete a pacticipant version",
      ),
      "pb:pacticipant-version-tag": t(
        `${b}/pacticipants/{pacticipant}/versions/{version}/tags/{tag}`,
        "Get, create or delete a tag for a pacticipant version",
      ),
      "pb:pacticipant-branch": t(
        `${b}/pacticipants/{pacticipant}/branches/{branch}`,
        "Get or delete a pacticipant branch",
      ),
      "pb:pacticipant-branch-version": t(
        `${b}/pacticipants/{pacticipant}/branches/{branch}/versions/{version}`,
        "Get or add/create a pacticipant version for a branch",
      ),
      "pb:environments": l(`${b}/environments`, "Environments"),
      "pb:webhooks": l(`${b}/webhooks`, "Webhooks"),
      "pb:webhook": t(`${b}/webhooks/{uuid}`, "Webhook"),
      "pb:environment": t(`${b}/environments/{uuid}`, "Environment"),
      "pb:can-i-deploy-pacticipant-version-to-tag": t(
        `${b}/can-i-deploy?pacticipant={pacticipant}&version={version}&to={tag}`,
        "Determine if an application version can be safely deployed to an environment identified by the given tag",
      ),
      "pb:can-i-deploy-pacticipant-version-to-environment": t(
        `${b}/can-i-deploy?pacticipant={pacticipant}&version={version}&environment={environment}`,
        "Determine if an application version can be safely deployed to an environment",
      ),
      "pb:matrix": l(`${b}/matrix`, "The matrix"),
      curies: [{ name: "pb", href: `${b}/doc/{rel}?context=index`, templated: true }],
    },
  };
}

export function pacticipantResource(store: BrokerStore, urls: BrokerUrls, p: PacticipantRow): HalBody {
  const latest = store.latestVersion(p.id);
  return {
    name: p.name,
    displayName: p.display_name ?? p.name,
    mainBranch: p.main_branch,
    repositoryUrl: p.repository_url,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    _embedded: latest ? { latestVersion: embeddedVersion(urls, p, latest) } : {},
    _links: {
      self: { href: urls.pacticipant(p.name), title: "Pacticipant", name: p.name },
      "pb:versions": { href: urls.versions(p.name), title: "All versions" },
      "pb:version": {
        href: `${urls.versions(p.name)}/{version}`,
        title: "Get, create or delete a pacticipant version",
        templated: true,
      },
      "pb:version-tag": {
        href: `${urls.versions(p.name)}/{version}/tags/{tag}`,
        title: "Get, create or delete a tag for a version",
        templated: true,
      },
      "pb:branch-version": {
        href: `${urls.branches(p.name)}/{branch}/versions/{version}`,
        title: "Get or add/create a version for a branch",
        templated: true,
      },
      "pb:branches": { href: urls.branches(p.name), title: "Branches" },
      "pb:latest-version": { href: urls.latestVersion(p.name), title: "Latest version" },
      "pb:pacticipants": { href: urls.pacticipants(), title: "Pacticipants" },
    },
  };
}

export function embeddedVersion(urls: BrokerUrls, p: PacticipantRow, v: VersionRow): Record<string, unknown> {
  return {
    number: v.number,
    createdAt: v.created_at,
    _links: { self: { href: urls.version(p.name, v.number), title: "Version", name: v.number } },
  };
}

export function versionResource(
  store: BrokerStore,
  urls: BrokerUrls,
  p: PacticipantRow,
  v: VersionRow,
): HalBody {
  const environments = store.listEnvironments();
  const branches = store.branchesOfVersion(v.id);
  const tags = store.tagsOfVersion(v.id);
  const deployed = store.deployedVersionsOf(v.id).filter((d) => d.undeployed_at === null);
  const released = store.releasedVersionsOf(v.id).filter((r) => r.support_ended_at === null);
  const envById = new Map(environments.map((e) => [e.id, e]));
  return {
    number: v.number,
    buildUrl: v.build_url,
    createdAt: v.created_at,
    _embedded: {
      branchVersions: branches.map((b) => ({
        name: b,
        latest: store.latestVersion(p.id, { branch: b })?.id === v.id,
        _links: { self: { href: urls.branchVersion(p.name, b, v.number), title: "Branch version", name: b } },
      })),
      tags: tags.map((t) => ({
        name: t.name,
        createdAt: t.created_at,
        _links: { self: { href: urls.tag(p.name, v.number, t.name), title: "Tag", name: t.name } },
      })),
      deployedVersions: deployed.map((d) => ({
        uuid: d.uuid,
        currentlyDeployed: true,
        applicationInstance: d.application_instance,
        environment: envById.get(d.environment_id)?.name,
      })),
      releasedVersions: released.map((r) => ({
        uuid: r.uuid,
        currentlySupported: true,
        environment: envById.get(r.environment_id)?.name,
      })),
    },
    _links: {
      self: { href: urls.version(p.name, v.number), title: "Version", name: v.number },
      "pb:pacticipant": { href: urls.pacticipant(p.name), title: "Pacticipant", name: p.name },
      "pb:tag": {
        href: `${urls.version(p.name, v.number)}/tags/{tag}`,
        title: "Get, create or delete a tag for this pacticipant version",
        templated: true,
      },
      "pb:latest-verification-results-where-pacticipant-is-consumer": {
        href: urls.latestVerificationsForConsumerVersion(p.name, v.number),
        title: "Latest verification results for consumer version",
      },
      "pb:record-deployment": environments.map((e) => ({
        href: urls.recordDeployment(p.name, v.number, e.uuid),
        title: `Record deployment to ${e.display_name ?? e.name}`,
        name: e.name,
      })),
      "pb:record-release": environments.map((e) => ({
        href: urls.recordRelease(p.name, v.number, e.uuid),
        title: `Record release to ${e.display_name ?? e.name}`,
        name: e.name,
      })),
    },
  };
}

export function environmentResource(urls: BrokerUrls, e: EnvironmentRow): HalBody {
  return {
    uuid: e.uuid,
    name: e.name,
    displayName: e.display_name ?? e.name,
    production: e.production === 1,
    contacts: e.contacts ? (JSON.parse(e.contacts) as unknown) : [],
    createdAt: e.created_at,
    updatedAt: e.updated_at,
    _links: {
      self: { href: urls.environment(e.uuid), title: "Environment", name: e.name },
      "pb:currently-deployed-deployed-versions": {
        href: `${urls.environment(e.uuid)}/deployed-versions/currently-deployed`,
        title: "Versions currently deployed to this environment",
      },
      "pb:currently-supported-released-versions": {
        href: `${urls.environment(e.uuid)}/released-versions/currently-supported`,
        title: "Versions released and supported in this environment",
      },
      "pb:environments": { href: urls.environments(), title: "Environments" },
    },
  };
}

export function deployedVersionResource(
  store: BrokerStore,
  urls: BrokerUrls,
  d: DeployedVersionRow,
): HalBody {
  const v = store.versionById(d.version_id);
  const p = store.pacticipantById(v.pacticipant_id);
  const e = store.listEnvironments().find((x) => x.id === d.environment_id);
  return {
    uuid: d.uuid,
    currentlyDeployed: d.undeployed_at === null,
    applicationInstance: d.application_instance,
    target: d.application_instance,
    createdAt: d.created_at,
    undeployedAt: d.undeployed_at,
    _embedded: {
      pacticipant: { name: p.name, _links: { self: { href: urls.pacticipant(p.name) } } },
      version: embeddedVersion(urls, p, v),
      environment: e ? environmentResource(urls, e) : null,
    },
    _links: {
      self: { href: urls.deployedVersion(d.uuid), title: "Deployed version", name: `${p.name} ${v.number}` },
    },
  };
}

export function releasedVersionResource(
  store: BrokerStore,
  urls: BrokerUrls,
  r: ReleasedVersionRow,
): HalBody {
  const v = store.versionById(r.version_id);
  const p = store.pacticipantById(v.pacticipant_id);
  const e = store.listEnvironments().find((x) => x.id === r.environment_id);
  return {
    uuid: r.uuid,
    currentlySupported: r.support_ended_at === null,
    createdAt: r.created_at,
    supportEndedAt: r.support_ended_at,
    _embedded: {
      pacticipant: { name: p.name, _links: { self: { href: urls.pacticipant(p.name) } } },
      version: embeddedVersion(urls, p, v),
      environment: e ? environmentResource(urls, e) : null,
    },
    _links: {
      self: { href: urls.releasedVersion(r.uuid), title: "Released version", name: `${p.name} ${v.number}` },
    },
  };
}

/** The pact content with `createdAt` and the `_links` the verifier follows. */
export function pactResource(
  urls: BrokerUrls,
  consumer: PacticipantRow,
  provider: PacticipantRow,
  consumerVersion: VersionRow,
  publication: PublicationRow,
  pactVersion: PactVersionRow,
  selfHref: string,
  publishHref: string,
): HalBody {
  const content = JSON.parse(pactVersion.content) as Record<string, unknown>;
  const name = `Pact between ${consumer.name} (${consumerVersion.number}) and ${provider.name}`;
  return {
    ...content,
    createdAt: publication.created_at,
    _links: {
      self: { href: selfHref, title: "Pact", name },
      "pb:consumer": { href: urls.pacticipant(consumer.name), title: "Consumer", name: consumer.name },
      "pb:consumer-version": {
        href: urls.version(consumer.name, consumerVersion.number),
        title: "Consumer version",
        name: consumerVersion.number,
      },
      "pb:provider": { href: urls.pacticipant(provider.name), title: "Provider", name: provider.name },
      "pb:pact-version": {
        href: urls.pactVersion(provider.name, consumer.name, pactVersion.sha),
        title: "Pact content version permalink",
        name: pactVersion.sha,
      },
      "pb:latest-pact-version": {
        href: urls.latestPact(provider.name, consumer.name),
        title: "Latest version of this pact",
      },
      "pb:publish-verification-results": { href: publishHref, title: "Publish verification results" },
      "pb:latest-verification-results": {
        href: urls.latestVerification(provider.name, consumer.name, pactVersion.sha),
        title: "Latest verification results of this pact content",
      },
      "pb:consumer-version-pact": {
        href: urls.pactForConsumerVersion(provider.name, consumer.name, consumerVersion.number),
        title: "Pact for this consumer version",
      },
    },
  };
}

export function verificationResource(
  urls: BrokerUrls,
  consumer: PacticipantRow,
  provider: PacticipantRow,
  pactVersion: PactVersionRow,
  providerVersion: VersionRow,
  v: VerificationRow,
): HalBody {
  return {
    providerName: provider.name,
    providerApplicationVersion: providerVersion.number,
    success: v.success === 1,
    verificationDate: v.created_at,
    buildUrl: v.build_url,
    testResults: v.test_results ? (JSON.parse(v.test_results) as unknown) : null,
    verifiedBy: v.verified_by ? (JSON.parse(v.verified_by) as unknown) : null,
    _links: {
      self: {
        href: urls.verification(provider.name, consumer.name, pactVersion.sha, v.number),
        title: "Verification result",
        name: `Verification result ${v.number} for Pact between ${consumer.name} and ${provider.name} (${providerVersion.number})`,
      },
      "pb:pact-version": {
        href: urls.pactVersion(provider.name, consumer.name, pactVersion.sha),
        title: "Pact",
        name: `Pact between ${consumer.name} and ${provider.name}`,
      },
      "pb:provider-version": {
        href: urls.version(provider.name, providerVersion.number),
        title: "Provider version",
        name: providerVersion.number,
      },
    },
  };
}
