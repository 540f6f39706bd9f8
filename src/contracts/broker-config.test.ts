import { describe, expect, it } from "vitest";
import { pactCliEnv, resolveBrokerConfig, verifierAuth } from "./broker-config.ts";
import { ConfigurationError } from "./errors.ts";
import { REDACTED, Redactor } from "./secrets.ts";

describe("broker configuration the Pact way", () => {
  const env = {
    PACT_BROKER_BASE_URL: "https://broker.example/",
    PACT_BROKER_TOKEN: "env-token-123456",
  };

  it("reads PACT_BROKER_* from the environment; flags override them", () => {
    const fromEnv = resolveBrokerConfig({}, env);
    expect(fromEnv.baseUrl).toBe("https://broker.example");
    expect(fromEnv.auth).toEqual({ kind: "token", token: "env-token-123456" });
    const flagged = resolveBrokerConfig(
      { brokerBaseUrl: "http://localhost:9292", brokerToken: "flag-token-abcdef" },
      env,
    );
    expect(flagged.baseUrl).toBe("http://localhost:9292");
    expect(flagged.auth).toEqual({ kind: "token", token: "flag-token-abcdef" });
    const basic = resolveBrokerConfig(
      {},
      { PACT_BROKER_BASE_URL: "http://b", PACT_BROKER_USERNAME: "ci", PACT_BROKER_PASSWORD: "pw-secret-99" },
    );
    expect(basic.auth).toEqual({ kind: "basic", username: "ci", password: "pw-secret-99" });
    expect(pactCliEnv(basic)).toEqual({
      PACT_BROKER_BASE_URL: "http://b",
      PACT_BROKER_USERNAME: "ci",
      PACT_BROKER_PASSWORD: "pw-secret-99",
    });
    expect(verifierAuth(fromEnv)).toEqual({ pactBrokerToken: "env-token-123456" });
  });

  it("refuses what cannot work, early, without echoing secrets", () => {
    expect(() => resolveBrokerConfig({}, {})).toThrow(ConfigurationError);
    expect(() => resolveBrokerConfig({}, {})).toThrow(/PACT_BROKER_BASE_URL/);
    expect(() => resolveBrokerConfig({}, { ...env, PACT_BROKER_USERNAME: "ci" })).toThrow(/not both/);
    let message = "";
    try {
      resolveBrokerConfig({ brokerBaseUrl: "https://ci:hunter2-secret@broker.example" }, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/must not carry credentials/);
    expect(message).not.toContain("hunter2-secret");
  });

  it("redacts secrets and their base64 from any text", () => {
    const r = new Redactor(["tok-123456", undefined, "ab"]);
    const basic = Buffer.from("tok-123456").toString("base64");
    expect(r.redact(`Authorization: Bearer tok-123456; basic ${basic}; ab stays`)).toBe(
      `Authorization: Bearer ${REDACTED}; basic ${REDACTED}; ab stays`,
    );
    const err = r.redactError(new Error("401 with tok-123456"));
    expect(err.message).toBe(`401 with ${REDACTED}`);
    expect(err.stack).not.toContain("tok-123456");
  });
});
