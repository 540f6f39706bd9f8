/**
 * Broker configuration the Pact way: PACT_BROKER_BASE_URL, PACT_BROKER_TOKEN,
 * PACT_BROKER_USERNAME / PACT_BROKER_PASSWORD from the environment, flags override them.
 */
import { ConfigurationError } from "./errors.ts";
import { Redactor } from "./secrets.ts";

export interface BrokerFlags {
  brokerBaseUrl?: string;
  brokerToken?: string;
  brokerUsername?: string;
  brokerPassword?: string;
}

export type BrokerAuth =
  { kind: "none" } | { kind: "token"; token: string } | { kind: "basic"; username: string; password: string };

export interface BrokerConfig {
  baseUrl: string;
  auth: BrokerAuth;
  /** Strips this config's secrets from any text. */
  redactor: Redactor;
}

/**
 * Resolves the broker to talk to. Throws ConfigurationError when there is no URL, when the
 * URL is not http(s), or when a token and a username are both given (ambiguous, as in Pact's CLIs).
 */
export function resolveBrokerConfig(
  flags: BrokerFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): BrokerConfig {
  const baseUrl = (flags.brokerBaseUrl ?? env.PACT_BROKER_BASE_URL ?? "").trim();
  const token = flags.brokerToken ?? env.PACT_BROKER_TOKEN;
  const username = flags.brokerUsername ?? env.PACT_BROKER_USERNAME;
  const password = flags.brokerPassword ?? env.PACT_BROKER_PASSWORD;
  const redactor = new Redactor([token, password]);
  if (!baseUrl)
    throw new ConfigurationError(
      "No Pact Broker: set PACT_BROKER_BASE_URL or pass --broker-base-url (faultline broker start runs a local one)",
    );
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigurationError(`PACT_BROKER_BASE_URL is not a URL: ${redactor.redact(baseUrl)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConfigurationError(`PACT_BROKER_BASE_URL must be http(s), got ${url.protocol}`);
  if (url.username || url.password)
    throw new ConfigurationError(
      "PACT_BROKER_BASE_URL must not carry credentials; use PACT_BROKER_USERNAME / PACT_BROKER_PASSWORD or PACT_BROKER_TOKEN",
    );
  if (token && username)
    throw new ConfigurationError(
      "Both a broker token and a broker username are set; use PACT_BROKER_TOKEN or PACT_BROKER_USERNAME / PACT_BROKER_PASSWORD, not both",
    );
  if (token !== undefined && token.length < 4)
    throw new ConfigurationError("PACT_BROKER_TOKEN is too short to be a token (fewer than 4 characters)");
  const auth: BrokerAuth = token
    ? { kind: "token", token }
    : username
      ? { kind: "basic", username, password: password ?? "" }
      : { kind: "none" };
  return { baseUrl: baseUrl.replace(/\/+$/, ""), auth, redactor };
}

/** The environment the official pact CLI reads the broker from (secrets never go on argv). */
export function pactCliEnv(b: BrokerConfig): Record<string, string> {
  const env: Record<string, string> = { PACT_BROKER_BASE_URL: b.baseUrl };
  if (b.auth.kind === "token") env.PACT_BROKER_TOKEN = b.auth.token;
  if (b.auth.kind === "basic") {
    env.PACT_BROKER_USERNAME = b.auth.username;
    env.PACT_BROKER_PASSWORD = b.auth.password;
  }
  return env;
}

/** The auth part of the FFI verifier's options. */
export function verifierAuth(b: BrokerConfig): Record<string, string> {
  switch (b.auth.kind) {
    case "token":
      return { pactBrokerToken: b.auth.token };
    case "basic":
      return { pactBrokerUsername: b.auth.username, pactBrokerPassword: b.auth.password };
    case "none":
      return {};
  }
}
