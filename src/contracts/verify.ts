/**
 * Provider verification with the Pact FFI verifier (through @pact-foundation/pact's Verifier):
 * from local pact files or from a broker with consumer version selectors, pending and WIP
 * pacts, and results published back with the provider's version and branch. No pacts found
 * is a failure, never a silent pass (pact-js #469).
 */
import fs from "node:fs";
import path from "node:path";
import { Verifier, type MessageProviders, type VerifierOptions } from "@pact-foundation/pact";
import { verifierAuth, type BrokerConfig } from "./broker-config.ts";
import { pactFiles } from "./broker-commands.ts";
import { ConfigurationError, VerificationError, type InteractionFailure } from "./errors.ts";
import { pactUsesPlugins, useProtobufPlugin, useProtobufPluginIfInstalled } from "./protobuf-plugin.ts";
import { Redactor } from "./secrets.ts";

process.env.PACT_DO_NOT_TRACK ??= "true";

export type StateHandlers = NonNullable<VerifierOptions["stateHandlers"]>;

/** A consumer version selector, as the broker takes it. */
export interface ConsumerVersionSelector {
  mainBranch?: boolean;
  matchingBranch?: boolean;
  branch?: string;
  deployedOrReleased?: boolean;
  deployed?: boolean;
  released?: boolean;
  environment?: string;
  latest?: boolean;
  tag?: string;
  consumer?: string;
  fallbackBranch?: string;
}

export type PactSource =
  | { kind: "files"; pacts: string[] }
  | {
      kind: "broker";
      broker: BrokerConfig;
      consumerVersionSelectors: ConsumerVersionSelector[];
      /** Pending pacts: a failure of a pact the provider never verified does not fail the build. */
      enablePending?: boolean;
      /** Work-in-progress pacts published since this date (YYYY-MM-DD) are verified too (pending). */
      includeWipPactsSince?: string;
    };

export interface PublishResults {
  providerVersion: string;
  providerVersionBranch?: string;
  providerVersionTags?: string[];
  buildUrl?: string;
}

/** A provider transport besides HTTP, e.g. gRPC: `{protocol: "grpc", port}` (the host is providerBaseUrl's). */
export interface ProviderTransport {
  protocol: string;
  port: number;
  scheme?: string;
  path?: string;
}

export interface VerifyOptions {
  provider: string;
  source: PactSource;
  /** HTTP providers: where requests go. */
  providerBaseUrl?: string;
  /** Plugin transports (gRPC through faultline's protobuf plugin). */
  transports?: ProviderTransport[];
  /**
   * The provider's own .proto files or folders: the protobuf plugin then also checks that every
   * field a gRPC interaction uses keeps its name, number and type there (PACT_PROTOBUF_PROVIDER_PROTOS).
   */
  providerProtos?: string[];
  stateHandlers?: StateHandlers;
  /** Message providers: description -> function producing the message (and its metadata). */
  messageProviders?: MessageProviders;
  beforeEach?: () => Promise<unknown>;
  afterEach?: () => Promise<unknown>;
  /** Publish results to the broker (broker sources only). */
  publish?: PublishResults;
  /** Default true: no pacts for this provider is a failure. */
  failIfNoPactsFound?: boolean;
  /**
   * Default true: a failed verification throws a VerificationError (its `report` has `passed:
   * false`). False: it resolves with that report instead, for callers that record the outcome.
   */
  throwOnFailure?: boolean;
  logLevel?: "error" | "warn" | "info" | "debug" | "trace";
}

export interface InteractionResult {
  description: string;
  /** "OK" or "Error", as the verifier reports it. */
  result: string;
  ok: boolean;
  pending: boolean;
}

export interface VerificationReport {
  provider: string;
  /**
   * The FFI verifier's own outcome: false when it reported a failure or any interaction that
   * is not pending did not match. Pending failures do not make it false (that is what pending means).
   */
  passed: boolean;
  interactions: InteractionResult[];
  /** Failing interactions that are not pending, with their mismatches (empty when it passed). */
  failures: InteractionFailure[];
  /** Failures of pending pacts: reported, not failing. */
  pendingFailures: InteractionFailure[];
  /** The broker's notices (pending, WIP, which selectors matched). */
  notices: string[];
  durationMs: number;
}

/** What the FFI verifier returns (as JSON text) when it ran. */
export interface VerifierJson {
  result?: boolean;
  notices?: { when?: string; text?: string }[];
  output?: string[];
  errors?: { interaction?: string; mismatch?: unknown }[];
  pendingErrors?: { interaction?: string; mismatch?: unknown }[];
  interactionResults?: { description?: string; result?: string; pending?: boolean }[];
}

/** The PACT_PROTOBUF_PROVIDER_PROTOS value the last verification set (undefined: none). */
let providerProtosWeSet: string | undefined;

/** Verifies `provider`; resolves with a report when it passes, throws VerificationError when it does not. */
export async function verifyProvider(o: VerifyOptions): Promise<VerificationReport> {
  if (!o.provider) throw new ConfigurationError("A provider name is required");
  if (!o.providerBaseUrl && !o.messageProviders && !o.transports?.length)
    throw new ConfigurationError(
      `Nothing to verify ${o.provider} against: give a providerBaseUrl, messageProviders or transports`,
    );
  const failIfNoPactsFound = o.failIfNoPactsFound ?? true;
  const redactor = o.source.kind === "broker" ? o.source.broker.redactor : new Redactor([]);

  const opts: VerifierOptions = {
    provider: o.provider,
    logLevel: o.logLevel ?? "warn",
    ...(o.providerBaseUrl
      ? { providerBaseUrl: o.providerBaseUrl }
      : o.transports?.length
        ? { providerBaseUrl: "http://127.0.0.1" }
        : {}),
    ...(o.transports?.length ? { transports: o.transports } : {}),
    ...(o.stateHandlers ? { stateHandlers: o.stateHandlers } : {}),
    ...(o.messageProviders ? { messageProviders: o.messageProviders } : {}),
    ...(o.beforeEach ? { beforeEach: o.beforeEach } : {}),
    ...(o.afterEach ? { afterEach: o.afterEach } : {}),
    failIfNoPactsFound,
  };

  if (o.source.kind === "files") {
    if (o.publish)
      throw new ConfigurationError(
        "Verification results can only be published when pacts come from a broker",
      );
    const files = localPactsFor(o.provider, o.source.pacts, failIfNoPactsFound);
    if (files.length === 0)
      return {
        provider: o.provider,
        passed: true,
        interactions: [],
        failures: [],
        pendingFailures: [],
        notices: [],
        durationMs: 0,
      };
    opts.pactUrls = files;
    if (o.transports?.length || files.some(pactUsesPlugins)) useProtobufPlugin();
  } else {
    const s = o.source;
    if (s.consumerVersionSelectors.length === 0)
      throw new ConfigurationError("Verifying from a broker needs at least one consumer version selector");
    if (s.consumerVersionSelectors.some((x) => x.matchingBranch) && !o.publish?.providerVersionBranch)
      throw new ConfigurationError(
        "The matchingBranch selector needs the provider's branch (--provider-version-branch)",
      );
    if (s.includeWipPactsSince && !/^\d{4}-\d{2}-\d{2}/.test(s.includeWipPactsSince))
      throw new ConfigurationError(
        `includeWipPactsSince must be a date (YYYY-MM-DD), got ${s.includeWipPactsSince}`,
      );
    if (s.includeWipPactsSince && !s.enablePending)
      throw new ConfigurationError(
        "WIP pacts are verified as pending: includeWipPactsSince needs enablePending",
      );
    // Pacts from a broker may need the protobuf plugin: the driver must find ours, never download one.
    if (o.transports?.length) useProtobufPlugin();
    else useProtobufPluginIfInstalled();
    Object.assign(opts, {
      pactBrokerUrl: s.broker.baseUrl,
      ...verifierAuth(s.broker),
      consumerVersionSelectors: s.consumerVersionSelectors,
      enablePending: s.enablePending ?? false,
      ...(s.includeWipPactsSince ? { includeWipPactsSince: s.includeWipPactsSince } : {}),
    });
    if (o.publish) {
      if (!o.publish.providerVersion)
        throw new ConfigurationError("Publishing verification results needs the provider version");
      Object.assign(opts, {
        publishVerificationResult: true,
        providerVersion: o.publish.providerVersion,
        ...(o.publish.providerVersionBranch
          ? { providerVersionBranch: o.publish.providerVersionBranch }
          : {}),
        ...(o.publish.providerVersionTags?.length
          ? { providerVersionTags: o.publish.providerVersionTags }
          : {}),
        ...(o.publish.buildUrl ? { buildUrl: o.publish.buildUrl } : {}),
      });
    }
  }

  // The plugin process inherits this: set for this verification; a value an earlier
  // verification set is cleared, one the user set is kept.
  if (o.providerProtos?.length) {
    providerProtosWeSet = o.providerProtos.join(path.delimiter);
    process.env.PACT_PROTOBUF_PROVIDER_PROTOS = providerProtosWeSet;
  } else if (providerProtosWeSet && process.env.PACT_PROTOBUF_PROVIDER_PROTOS === providerProtosWeSet) {
    delete process.env.PACT_PROTOBUF_PROVIDER_PROTOS;
    providerProtosWeSet = undefined;
  }

  const t0 = performance.now();
  let raw: unknown;
  let rejected = false;
  try {
    raw = await new Verifier(opts).verifyProvider();
  } catch (err) {
    rejected = true;
    const message = err instanceof Error ? err.message : String(err);
    if (!parseVerifierJson(message)) {
      // The verifier could not run at all (a connection refused, a broker error): no report.
      throw new VerificationError(
        o.provider,
        [],
        redactor.redact(message) + ` (after ${Math.round(performance.now() - t0)} ms)`,
      );
    }
    raw = message;
  }
  const durationMs = performance.now() - t0;
  const json = parseVerifierJson(typeof raw === "string" ? raw : JSON.stringify(raw ?? {})) ?? {};
  const report = reportOf(o.provider, json, rejected, durationMs, redactor);
  if (report.passed && report.interactions.length === 0 && failIfNoPactsFound) {
    throw new VerificationError(
      o.provider,
      [],
      `No interactions were verified for ${o.provider}: that is not a pass.\n${redactor.redact((json.output ?? []).join("\n"))}`,
      { ...report, passed: false },
    );
  }
  if (!report.passed && (o.throwOnFailure ?? true))
    throw new VerificationError(
      o.provider,
      report.failures,
      redactor.redact((json.output ?? []).join("\n")),
      report,
    );
  return report;
}

/**
 * The report of one run of the verifier, from its JSON. `passed` is the verifier's own result,
 * and false as well when a non-pending interaction is not OK or a non-pending error is listed.
 */
export function reportOf(
  provider: string,
  json: VerifierJson,
  rejected: boolean,
  durationMs: number,
  redactor: Redactor = new Redactor([]),
): VerificationReport {
  const known = (json.interactionResults ?? []).map((r) => r.description ?? "");
  const failures = (json.errors ?? []).map((e) => toFailure(e, redactor, known));
  const pendingFailures = (json.pendingErrors ?? []).map((e) => toFailure(e, redactor, known));
  // The verifier lists pending failures in pendingErrors; its interactionResults say "Error"
  // for them too, without a pending flag.
  const pendingNames = new Set(pendingFailures.map((f) => f.description));
  const interactions = (json.interactionResults ?? []).map((r) => ({
    description: r.description ?? "",
    result: r.result ?? "",
    ok: r.result === "OK",
    pending: r.pending ?? pendingNames.has(redactor.redact(r.description ?? "")),
  }));
  const passed =
    !rejected &&
    json.result !== false &&
    failures.length === 0 &&
    interactions.every((i) => i.ok || i.pending);
  return {
    provider,
    passed,
    interactions,
    failures,
    pendingFailures,
    notices: (json.notices ?? []).map((n) => redactor.redact(n.text ?? "")).filter(Boolean),
    durationMs,
  };
}

/**
 * The local pact files whose provider is `provider`. None is a ConfigurationError unless
 * failIfNoPactsFound is false: checked before any stack starts.
 */
export function localPactsFor(provider: string, paths: string[], failIfNoPactsFound = true): string[] {
  const files = pactFiles(paths).filter((f) => pactProvider(f) === provider);
  if (files.length === 0 && failIfNoPactsFound)
    throw new ConfigurationError(
      `No pacts for provider ${provider} in ${paths.join(", ")}: nothing was verified, which is not a pass`,
    );
  return files;
}

function pactProvider(file: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(file, "utf8")) as { provider?: { name?: string } }).provider?.name;
  } catch {
    throw new ConfigurationError(`${file} is not a pact file (not JSON)`);
  }
}

function parseVerifierJson(text: string): VerifierJson | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as VerifierJson) : undefined;
  } catch {
    return undefined;
  }
}

/** One failing interaction, its mismatches as readable lines. */
function toFailure(
  e: { interaction?: string; mismatch?: unknown },
  redactor: Redactor,
  knownDescriptions: string[],
): InteractionFailure {
  // The verifier names a failure "Verifying a pact between C and P Given <states> - <description>".
  const full = e.interaction ?? "(unnamed interaction)";
  const description =
    knownDescriptions
      .filter((d) => d && (full === d || full.endsWith(` - ${d}`)))
      .sort((a, b) => b.length - a.length)[0] ?? full;
  return {
    description: redactor.redact(description),
    mismatches: describeMismatch(e.mismatch).map((m) => redactor.redact(m)),
  };
}

function describeMismatch(m: unknown): string[] {
  if (!m || typeof m !== "object") return [String(m)];
  const o = m as Record<string, unknown>;
  if (Array.isArray(o.mismatches)) return o.mismatches.flatMap((x) => describeMismatch(x));
  if (typeof o.mismatch === "string") {
    const where = typeof o.path === "string" ? `${o.path}: ` : typeof o.key === "string" ? `${o.key}: ` : "";
    return [`${o.type ? `${String(o.type)} ` : ""}${where}${o.mismatch}`];
  }
  if (typeof o.message === "string") return [`${o.type ? `${String(o.type)}: ` : ""}${o.message}`];
  if (typeof o.expected !== "undefined" || typeof o.actual !== "undefined")
    return [
      `${String(o.type ?? "mismatch")}: expected ${JSON.stringify(o.expected)}, got ${JSON.stringify(o.actual)}`,
    ];
  return [JSON.stringify(m)];
}
