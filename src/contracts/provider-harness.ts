/**
 * A provider harness is how one provider is verified against a running stack: its
 * provider-state handlers (reset, then seed), its message providers, and the URL the
 * verifier calls. Suites and `faultline contracts verify` share the same harness, so what
 * CI verifies is what users read in suites/contracts/providers/<provider>.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { MessageProviders } from "@pact-foundation/pact";
import type { StartedStack } from "../env/stack.ts";
import { projectRoot } from "../paths.ts";
import { ConfigurationError } from "./errors.ts";
import type { ProviderTransport, StateHandlers } from "./verify.ts";

/** What the verifier needs from a provider that is up. Disposing it undoes what setUp did. */
export interface ProviderSetup extends AsyncDisposable {
  providerBaseUrl?: string;
  stateHandlers?: StateHandlers;
  messageProviders?: MessageProviders;
  /** gRPC (plugin) transports of the provider, on this host's loopback. */
  transports?: ProviderTransport[];
  /** The provider's own .proto files or folders, for the protobuf plugin's schema check. */
  providerProtos?: string[];
  /** Runs before each interaction's states are set up. */
  beforeEach?: () => Promise<unknown>;
}

export interface ProviderHarness {
  /** The provider's name in the pacts. */
  provider: string;
  /** The target whose stack the provider runs in (its folder under targets/). */
  target: string;
  /** Extra environment per service for the stack this harness needs. */
  stackEnv?: Record<string, Record<string, string>>;
  setUp(stack: StartedStack, opts?: ProviderSetUpOptions): Promise<ProviderSetup>;
}

export interface ProviderSetUpOptions {
  /** Extra environment for the provider under test (e.g. a sabotage switch). */
  providerEnv?: Record<string, string>;
  /** Another image of the provider under test (e.g. built from a modified proto). */
  image?: string;
  /** The .proto folder that image was built from (default: the target's own protos). */
  protos?: string;
}

export function defineProviderHarness(h: ProviderHarness): ProviderHarness {
  return h;
}

/** The harness folder of the suites: suites/contracts/providers/<provider>.ts. */
export function providerHarnessFile(provider: string): string {
  return path.join(projectRoot(), "suites", "contracts", "providers", `${provider}.ts`);
}

/** Loads a provider's harness from `file` (default: the suites' harness of that provider). */
export async function loadProviderHarness(provider: string, file?: string): Promise<ProviderHarness> {
  const f = path.resolve(file ?? providerHarnessFile(provider));
  if (!fs.existsSync(f))
    throw new ConfigurationError(
      `No provider harness for ${provider} at ${f}; write one (see suites/contracts/providers/) or pass --provider-base-url`,
    );
  const mod = (await import(pathToFileURL(f).href)) as { default?: ProviderHarness };
  const h = mod.default;
  if (!h || typeof h.setUp !== "function")
    throw new ConfigurationError(`${f} must export default defineProviderHarness({...})`);
  if (h.provider !== provider)
    throw new ConfigurationError(`${f} is the harness of ${h.provider}, not of ${provider}`);
  return h;
}
