/**
 * The documentation behind the index's `curies` (`/doc/{rel}?context=index`): one page per
 * relation the broker uses, so every `pb:` relation a client sees has a page that resolves.
 */

/** Relation (without `pb:`) -> what it is and which methods it takes. */
export const RELATION_DOCS: Readonly<Record<string, string>> = {
  branch: "A branch of a pacticipant. GET it (with its latest version) or DELETE it.",
  "branch-version": "A version of this pacticipant on a branch. PUT to add the version to the branch.",
  branches: "The branches of a pacticipant, newest first. GET.",
  "can-i-deploy-pacticipant-version-to-environment":
    "Whether a pacticipant version can be deployed to an environment: the matrix of its pacts and verification results. GET.",
  "can-i-deploy-pacticipant-version-to-tag":
    "Whether a pacticipant version can be deployed alongside the latest versions with a tag. GET.",
  consumer: "The consumer of this pact. GET.",
  "consumer-version": "The consumer version this pact was published with. GET.",
  "consumer-version-pact": "The pact as published by this consumer version. GET.",
  contracts: "The contracts a publication created or updated. GET each.",
  "currently-deployed-deployed-versions": "The versions currently deployed to this environment. GET.",
  "currently-supported-released-versions": "The released versions still supported in this environment. GET.",
  environment: "One environment (by UUID). GET, PUT or DELETE.",
  environments: "All environments. GET, or POST {name, production} to create one.",
  "latest-pact-version": "The latest pact between this consumer and provider. GET.",
  "latest-pact-versions": "The latest pact of every consumer and provider pair. GET.",
  "latest-provider-pacts": "The latest pact of each consumer of a provider. GET.",
  "latest-provider-pacts-with-tag":
    "The latest pact of each consumer of a provider among consumer versions with a tag. GET.",
  "latest-tagged-version": "The latest version of a pacticipant with a tag. GET.",
  "latest-verification-results": "The latest verification result of this pact content. GET.",
  "latest-verification-results-where-pacticipant-is-consumer":
    "The latest verification results of every pact this consumer version published, with a summary per provider. GET.",
  "latest-version": "The latest version of a pacticipant. GET.",
  matrix: "The matrix of consumer and provider versions with their verification results (can-i-deploy). GET.",
  "pact-version": "This pact content, by its SHA (a permalink). GET.",
  pacticipant: "One pacticipant (application) by name. GET, PUT, PATCH.",
  "pacticipant-branch": "A branch of a pacticipant. GET or DELETE.",
  "pacticipant-branch-version": "A pacticipant version on a branch. GET, or PUT to add it.",
  "pacticipant-version": "One version of a pacticipant. GET, or PUT {branch, buildUrl, tags} to create it.",
  "pacticipant-version-tag": "A tag of a pacticipant version. GET, PUT or DELETE.",
  "pacticipant-version-tags": "The tags a publication put on the consumer version. GET each.",
  pacticipants: "All pacticipants. GET, or POST {name, mainBranch} to create one.",
  pacts: "Pacts: GET each.",
  provider: "The provider of this pact. GET.",
  "provider-pacts":
    "Every pact version of a provider (the latest revision of each consumer version's pact). GET.",
  "provider-pacts-for-verification":
    "The pacts a provider should verify: POST {consumerVersionSelectors, includePendingStatus, includeWipPactsSince, providerVersionBranch}.",
  "provider-pacts-with-tag": "Every pact version of a provider whose consumer version has a tag. GET.",
  "provider-version": "The provider version that was verified. GET.",
  "publish-contracts":
    "Publish contracts: POST {pacticipantName, pacticipantVersionNumber, branch, tags, buildUrl, contracts}. Changed content under an existing version is refused (409) unless the broker allows dangerous contract modification.",
  "publish-pact": "Publish one pact for a consumer version: PUT the pact JSON.",
  "publish-verification-results":
    "Publish verification results: POST {providerApplicationVersion, success, testResults, verifiedBy}.",
  "record-deployment": "Record that this version is deployed to the named environment. POST.",
  "record-release": "Record that this version is released to the named environment. POST.",
  tag: "A tag of this version. GET, PUT or DELETE.",
  version: "A version of this pacticipant. GET or PUT.",
  "version-tag": "A tag of a version of this pacticipant. GET, PUT or DELETE.",
  versions: "All versions of a pacticipant, newest first. GET.",
  create: "POST a webhook {description, consumer, provider, events, request} to create it here.",
  webhook: "One webhook (by UUID). GET, PUT {events, request, ...} to create or replace it, or DELETE.",
  webhooks:
    "Webhooks: GET them, or POST {description, consumer, provider, events, request} to create one. Events: contract_content_changed, contract_published, contract_requiring_verification_published, provider_verification_published, provider_verification_succeeded, provider_verification_failed.",
  execute: "Run this webhook now with the latest matching pact (POST); it is not recorded as an execution.",
  executions: "The executions of this webhook (triggered webhooks) with their status and logs. GET.",
  "pact-webhooks": "The webhooks for this consumer and provider. GET, or POST to create one.",
  logs: "The log of one webhook execution (text/plain). GET.",
  "error-logs": "The logs of the failed webhook executions. GET each.",
};

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The HTML page of one relation, or undefined when the broker has no such relation. */
export function relationDocPage(rel: string): string | undefined {
  const name = rel.replace(/^pb:/, "");
  const text = RELATION_DOCS[name];
  if (text === undefined) return undefined;
  return `<!doctype html><html><head><meta charset="utf-8"><title>pb:${esc(name)}</title></head><body><h1>pb:${esc(name)}</h1><p>${esc(text)}</p></body></html>\n`;
}
