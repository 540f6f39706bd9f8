/**
 * What `faultline contracts verify` is asked, as plain values, turned into the options of a
 * provider verification: where the pacts come from (local files, or a broker with consumer
 * version selectors, pending and WIP), what to publish, which sabotage switches to turn on.
 * The command only parses its flags into a VerifyRequest, calls this, and prints the report.
 */
import path from "node:path";
import { projectRoot } from "../paths.ts";
import { resolveBrokerConfig, type BrokerFlags } from "./broker-config.ts";
import { ConfigurationError } from "./errors.ts";
import type { ProviderRunOptions } from "./provider-run.ts";
import type { ConsumerVersionSelector, PactSource } from "./verify.ts";

export interface VerifyRequest extends BrokerFlags {
  provider: string;
  /** Local pact files or folders; when given, no broker is asked. */
  pact?: string[];
  consumerVersionSelector?: ConsumerVersionSelector[];
  mainBranch?: boolean;
  matchingBranch?: boolean;
  deployedOrReleased?: boolean;
  consumerBranch?: string[];
  enablePending?: boolean;
  includeWipPactsSince?: string;
  publish?: boolean;
  providerAppVersion?: string;
  providerVersionBranch?: string;
  providerVersionTag?: string[];
  buildUrl?: string;
  failIfNoPactsFound: boolean;
  providerBaseUrl?: string;
  harness?: string;
  /** Sabotage switches, comma-separated (the target's manifest names the variable). */
  sabotage?: string;
}

/** Pact's recommended default: what is on main, and what is deployed or released. */
export const DEFAULT_SELECTORS: ConsumerVersionSelector[] = [
  { mainBranch: true },
  { deployedOrReleased: true },
];

/** The selectors a request names, flags and JSON selectors together; the default when it names none. */
export function consumerVersionSelectors(r: VerifyRequest): ConsumerVersionSelector[] {
  const selectors: ConsumerVersionSelector[] = [
    ...(r.consumerVersionSelector ?? []),
    ...(r.mainBranch ? [{ mainBranch: true }] : []),
    ...(r.matchingBranch ? [{ matchingBranch: true }] : []),
    ...(r.deployedOrReleased ? [{ deployedOrReleased: true }] : []),
    ...(r.consumerBranch ?? []).map((branch) => ({ branch })),
  ];
  return selectors.length > 0 ? selectors : DEFAULT_SELECTORS;
}

/** Where the pacts come from: the broker when one is configured and no local pacts are named. */
export function pactSource(r: VerifyRequest, env: NodeJS.ProcessEnv = process.env): PactSource {
  const { pact } = r;
  if (pact || !(r.brokerBaseUrl ?? env.PACT_BROKER_BASE_URL)) {
    if (r.publish)
      throw new ConfigurationError("--publish needs a broker (PACT_BROKER_BASE_URL or --broker-base-url)");
    return { kind: "files", pacts: pact ?? [path.join(projectRoot(), "pacts")] };
  }
  return {
    kind: "broker",
    broker: resolveBrokerConfig(r, env),
    consumerVersionSelectors: consumerVersionSelectors(r),
    enablePending: !!r.enablePending,
    ...(r.includeWipPactsSince ? { includeWipPactsSince: r.includeWipPactsSince } : {}),
  };
}

/** The options of runProviderVerification for a request; bad combinations fail before anything starts. */
export function providerRunOptions(
  r: VerifyRequest,
  env: NodeJS.ProcessEnv = process.env,
): Omit<ProviderRunOptions, "onStackEvent"> {
  const source = pactSource(r, env);
  if (r.publish && !r.providerAppVersion)
    throw new ConfigurationError("--publish needs --provider-app-version");
  const sabotage = (r.sabotage ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    provider: r.provider,
    source,
    failIfNoPactsFound: r.failIfNoPactsFound,
    ...(r.providerBaseUrl ? { providerBaseUrl: r.providerBaseUrl } : {}),
    ...(r.harness ? { harnessFile: r.harness } : {}),
    ...(sabotage.length > 0 ? { sabotage } : {}),
    ...(r.publish && r.providerAppVersion
      ? {
          publish: {
            providerVersion: r.providerAppVersion,
            ...(r.providerVersionBranch ? { providerVersionBranch: r.providerVersionBranch } : {}),
            ...(r.providerVersionTag ? { providerVersionTags: r.providerVersionTag } : {}),
            ...(r.buildUrl ? { buildUrl: r.buildUrl } : {}),
          },
        }
      : {}),
  };
}
