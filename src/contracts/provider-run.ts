/**
 * Verifies one provider end to end: bring up its target's stack, set up its harness
 * (provider states, message providers), verify, tear everything down. Used by
 * `faultline contracts verify`; suites call the pieces themselves.
 */
import { loadManifest, type Manifest } from "../env/manifest.ts";
import { Environment, type StackEvent } from "../env/stack.ts";
import { projectRoot } from "../paths.ts";
import { ConfigurationError } from "./errors.ts";
import { loadProviderHarness, type ProviderSetup } from "./provider-harness.ts";
import { localPactsFor, verifyProvider, type VerificationReport, type VerifyOptions } from "./verify.ts";

export interface ProviderRunOptions extends Omit<
  VerifyOptions,
  "providerBaseUrl" | "stateHandlers" | "messageProviders" | "beforeEach" | "transports" | "providerProtos"
> {
  /** A provider already running elsewhere: no stack, no provider states. */
  providerBaseUrl?: string;
  /** Harness module (default suites/contracts/providers/<provider>.ts). */
  harnessFile?: string;
  /** Extra environment for the provider under test. */
  providerEnv?: Record<string, string>;
  /**
   * Sabotage switches to turn on in the provider under test, through the variable its target's
   * manifest names (`sabotage.env`); each must be one of the manifest's `sabotage.switches`.
   */
  sabotage?: string[];
  onStackEvent?: (e: StackEvent) => void;
}

/** Verifies with what a harness set up: its base URL, states, message providers, transports, protos. */
export function verifyWithSetup(
  setup: ProviderSetup,
  verify: Omit<
    VerifyOptions,
    "providerBaseUrl" | "stateHandlers" | "messageProviders" | "beforeEach" | "transports" | "providerProtos"
  >,
): Promise<VerificationReport> {
  return verifyProvider({
    ...verify,
    ...(setup.providerBaseUrl ? { providerBaseUrl: setup.providerBaseUrl } : {}),
    ...(setup.stateHandlers ? { stateHandlers: setup.stateHandlers } : {}),
    ...(setup.messageProviders ? { messageProviders: setup.messageProviders } : {}),
    ...(setup.transports ? { transports: setup.transports } : {}),
    ...(setup.providerProtos ? { providerProtos: setup.providerProtos } : {}),
    ...(setup.beforeEach ? { beforeEach: setup.beforeEach } : {}),
  });
}

export async function runProviderVerification(o: ProviderRunOptions): Promise<VerificationReport> {
  const { providerBaseUrl, harnessFile, providerEnv: extraEnv, sabotage, onStackEvent, ...verify } = o;
  if (providerBaseUrl) {
    if (sabotage?.length)
      throw new ConfigurationError(
        "--sabotage starts the provider under test with its switches on; it cannot apply to --provider-base-url",
      );
    return verifyProvider({ ...verify, providerBaseUrl });
  }
  // Fail before a stack starts when there is nothing to verify.
  if (o.source.kind === "files") localPactsFor(o.provider, o.source.pacts, o.failIfNoPactsFound ?? true);
  const harness = await loadProviderHarness(o.provider, harnessFile);
  const manifest = await loadManifest(harness.target, projectRoot());
  const providerEnv = { ...extraEnv, ...sabotageEnv(manifest, sabotage ?? []) };
  await using stack = await new Environment(manifest, {
    ...(harness.stackEnv ? { env: harness.stackEnv } : {}),
    ...(onStackEvent ? { onEvent: onStackEvent } : {}),
  }).start();
  await using setup = await harness.setUp(stack, Object.keys(providerEnv).length > 0 ? { providerEnv } : {});
  // `return await`: the rejection must be handled before the (slow) disposals run, or Node
  // reports it unhandled and exits.
  return await verifyWithSetup(setup, verify);
}

/** The provider's environment that turns `switches` on, named by the target's manifest. */
export function sabotageEnv(m: Manifest, switches: string[]): Record<string, string> {
  if (switches.length === 0) return {};
  const sab = m.sabotage;
  if (!sab)
    throw new ConfigurationError(
      `--sabotage: target "${m.name}" declares no sabotage switches; add a "sabotage" section (env, switches) to ${m.file}`,
    );
  const unknown = switches.filter((s) => !(s in sab.switches));
  if (unknown.length > 0)
    throw new ConfigurationError(
      `--sabotage: unknown switch ${unknown.map((s) => `"${s}"`).join(", ")}; switches of ${m.name} (${m.file}, sabotage.switches): ${Object.keys(sab.switches).join(", ")}`,
    );
  return { [sab.env]: switches.join(",") };
}
