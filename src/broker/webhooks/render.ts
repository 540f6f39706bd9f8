/**
 * The template parameters the Pact Broker documents, replaced in a webhook's URL, headers and body:
 * `${pactbroker.pactUrl}`, `${pactbroker.consumerName}`, ... An unknown parameter is left as it is,
 * as the Pact Broker does.
 */

export interface WebhookTemplateValues {
  pactUrl: string;
  verificationResultUrl: string;
  consumerVersionNumber: string;
  consumerVersionTags: string;
  consumerVersionBranch: string;
  consumerName: string;
  consumerLabels: string;
  providerVersionNumber: string;
  providerVersionTags: string;
  providerVersionBranch: string;
  providerName: string;
  providerLabels: string;
  githubVerificationStatus: string;
  bitbucketVerificationStatus: string;
  azureDevOpsVerificationStatus: string;
  gitlabVerificationStatus: string;
  buildUrl: string;
  eventName: string;
  currentlyDeployedProviderVersionNumber: string;
}

export const TEMPLATE_PARAMETERS: (keyof WebhookTemplateValues)[] = [
  "pactUrl",
  "verificationResultUrl",
  "consumerVersionNumber",
  "consumerVersionTags",
  "consumerVersionBranch",
  "consumerName",
  "consumerLabels",
  "providerVersionNumber",
  "providerVersionTags",
  "providerVersionBranch",
  "providerName",
  "providerLabels",
  "githubVerificationStatus",
  "bitbucketVerificationStatus",
  "azureDevOpsVerificationStatus",
  "gitlabVerificationStatus",
  "buildUrl",
  "eventName",
  "currentlyDeployedProviderVersionNumber",
];

/** The verification statuses each CI system expects, from the verification's success (undefined: none yet). */
export function verificationStatuses(
  success: boolean | undefined,
): Pick<
  WebhookTemplateValues,
  | "githubVerificationStatus"
  | "bitbucketVerificationStatus"
  | "azureDevOpsVerificationStatus"
  | "gitlabVerificationStatus"
> {
  if (success === undefined)
    return {
      githubVerificationStatus: "pending",
      bitbucketVerificationStatus: "INPROGRESS",
      azureDevOpsVerificationStatus: "pending",
      gitlabVerificationStatus: "running",
    };
  return success
    ? {
        githubVerificationStatus: "success",
        bitbucketVerificationStatus: "SUCCESSFUL",
        azureDevOpsVerificationStatus: "succeeded",
        gitlabVerificationStatus: "success",
      }
    : {
        githubVerificationStatus: "failure",
        bitbucketVerificationStatus: "FAILED",
        azureDevOpsVerificationStatus: "failed",
        gitlabVerificationStatus: "failed",
      };
}

type Escape = (value: string) => string;

/** Replaces `${pactbroker.X}`; `escape` encodes values for where they land (URL, JSON string). */
export function renderTemplate(
  text: string,
  values: WebhookTemplateValues,
  escape: Escape = (v) => v,
): string {
  return text.replace(/\$\{pactbroker\.([A-Za-z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? escape(values[name as keyof WebhookTemplateValues]) : whole,
  );
}

/** Renders a body: strings inside JSON bodies are rendered in place, so values never break the JSON. */
export function renderBody(body: unknown, values: WebhookTemplateValues): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return renderTemplate(body, values);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return renderTemplate(v, values);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [renderTemplate(k, values), walk(x)]));
    return v;
  };
  return JSON.stringify(walk(body));
}

export function renderUrl(url: string, values: WebhookTemplateValues): string {
  return renderTemplate(url, values, (v) => (/^https?:\/\//.test(v) ? v : encodeURIComponent(v)));
}
