import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../env/manifest.ts";
import { projectRoot } from "../paths.ts";
import { ConfigurationError } from "./errors.ts";
import { sabotageEnv } from "./provider-run.ts";
import { DEFAULT_SELECTORS, providerRunOptions } from "./verify-request.ts";

const noBroker: NodeJS.ProcessEnv = {};
const broker: NodeJS.ProcessEnv = {
  PACT_BROKER_BASE_URL: "http://127.0.0.1:9292",
  PACT_BROKER_TOKEN: "a-test-token",
};

describe("providerRunOptions (faultline contracts verify)", () => {
  it("verifies the local pacts/ folder when no broker is configured", () => {
    const o = providerRunOptions({ provider: "gateway", failIfNoPactsFound: true }, noBroker);
    expect(o.source).toEqual({ kind: "files", pacts: [path.join(projectRoot(), "pacts")] });
    expect(o.sabotage).toBeUndefined();
  });

  it("asks the broker with Pact's default selectors when none is named", () => {
    const o = providerRunOptions({ provider: "gateway", failIfNoPactsFound: true }, broker);
    expect(o.source.kind).toBe("broker");
    if (o.source.kind !== "broker") return;
    expect(o.source.consumerVersionSelectors).toEqual(DEFAULT_SELECTORS);
    expect(o.source.enablePending).toBe(false);
    expect(o.source.broker.baseUrl).toBe("http://127.0.0.1:9292");
  });

  it("turns selector flags and JSON selectors into one list, in order", () => {
    const o = providerRunOptions(
      {
        provider: "gateway",
        failIfNoPactsFound: true,
        consumerVersionSelector: [{ tag: "prod", latest: true }],
        mainBranch: true,
        deployedOrReleased: true,
        consumerBranch: ["feat-a", "feat-b"],
        enablePending: true,
        includeWipPactsSince: "2026-01-01",
      },
      broker,
    );
    if (o.source.kind !== "broker") throw new Error("expected a broker source");
    expect(o.source.consumerVersionSelectors).toEqual([
      { tag: "prod", latest: true },
      { mainBranch: true },
      { deployedOrReleased: true },
      { branch: "feat-a" },
      { branch: "feat-b" },
    ]);
    expect(o.source.enablePending).toBe(true);
    expect(o.source.includeWipPactsSince).toBe("2026-01-01");
  });

  it("local pacts win over a configured broker", () => {
    const o = providerRunOptions({ provider: "gateway", failIfNoPactsFound: true, pact: ["a.json"] }, broker);
    expect(o.source).toEqual({ kind: "files", pacts: ["a.json"] });
  });

  it("refuses --publish without a broker, and without a provider version", () => {
    expect(() =>
      providerRunOptions({ provider: "gateway", failIfNoPactsFound: true, publish: true }, noBroker),
    ).toThrow(/--publish needs a broker/);
    expect(() =>
      providerRunOptions({ provider: "gateway", failIfNoPactsFound: true, publish: true }, broker),
    ).toThrow(/--publish needs --provider-app-version/);
  });

  it("carries what to publish and the sabotage switches", () => {
    const o = providerRunOptions(
      {
        provider: "gateway",
        failIfNoPactsFound: false,
        publish: true,
        providerAppVersion: "abc123",
        providerVersionBranch: "main",
        providerVersionTag: ["prod"],
        sabotage: "breaking-change, no-rate-limit",
      },
      broker,
    );
    expect(o.publish).toEqual({
      providerVersion: "abc123",
      providerVersionBranch: "main",
      providerVersionTags: ["prod"],
    });
    expect(o.sabotage).toEqual(["breaking-change", "no-rate-limit"]);
    expect(o.failIfNoPactsFound).toBe(false);
  });
});

describe("sabotageEnv (the variable comes from the target's manifest)", () => {
  const manifest = (sabotage: string) =>
    parseManifest(
      `name: mini
services:
  api:
    image: api
    ports: { http: 8080 }
${sabotage}`,
      "targets/mini/faultline.yaml",
      { knownImage: () => true },
    );

  it("sets the manifest's variable to the switches", () => {
    const m = manifest("sabotage:\n  env: MINI_SWITCHES\n  switches:\n    a: [api]\n    b: [api]\n");
    expect(sabotageEnv(m, [])).toEqual({});
    expect(sabotageEnv(m, ["a", "b"])).toEqual({ MINI_SWITCHES: "a,b" });
  });

  it("names the manifest and the known switches when a switch is unknown", () => {
    const m = manifest("sabotage:\n  env: MINI_SWITCHES\n  switches:\n    a: [api]\n");
    expect(() => sabotageEnv(m, ["c"])).toThrow(ConfigurationError);
    expect(() => sabotageEnv(m, ["c"])).toThrow(/unknown switch "c".*targets\/mini\/faultline.yaml.*: a$/);
  });

  it("says where to declare switches when the target has none", () => {
    expect(() => sabotageEnv(manifest(""), ["a"])).toThrow(
      /declares no sabotage switches; add a "sabotage" section \(env, switches\) to targets\/mini\/faultline.yaml/,
    );
  });
});
