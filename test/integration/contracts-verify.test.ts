/**
 * `VerificationReport.passed` is the Pact FFI verifier's real outcome: a small provider on
 * loopback is verified against a pact written here, once answering the pact's shape and once
 * answering a different one. No Docker.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBrokerConfig } from "../../src/contracts/broker-config.ts";
import { startBrokerServer } from "../../src/broker/index.ts";
import { VerificationError } from "../../src/contracts/errors.ts";
import { reportOf, verifyProvider } from "../../src/contracts/verify.ts";
import {
  pactBroker,
  productInteraction,
  startProductProvider,
  tempDir,
  writePact,
  type StartedProvider,
} from "../support/broker-test-kit.ts";

let provider: StartedProvider;
const dir = tempDir("verify-passed");
const pact = writePact(dir, "shop-ui", "products", [productInteraction("SKU-1", { state: false })]);

beforeAll(async () => {
  provider = await startProductProvider();
});
afterAll(async () => {
  await provider?.[Symbol.asyncDispose]();
});

const verify = (throwOnFailure?: boolean) =>
  verifyProvider({
    provider: "products",
    source: { kind: "files", pacts: [pact] },
    providerBaseUrl: provider.url,
    logLevel: "error",
    ...(throwOnFailure === undefined ? {} : { throwOnFailure }),
  });

describe("VerificationReport.passed is the verifier's outcome", { timeout: 60_000 }, () => {
  it("is true when the provider answers what the pact expects", async () => {
    provider.breaking = false;
    const report = await verify();
    expect(report.passed).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.interactions).toEqual([
      expect.objectContaining({ description: "a request for product SKU-1", ok: true }),
    ]);
  });

  it("is false when the provider answers a different shape (name renamed title)", async () => {
    provider.breaking = true;
    try {
      const report = await verify(false);
      expect(report.passed).toBe(false);
      expect(report.interactions).toEqual([
        expect.objectContaining({ description: "a request for product SKU-1", ok: false }),
      ]);
      expect(report.failures.map((f) => f.description)).toEqual(["a request for product SKU-1"]);
      expect(report.failures[0]!.mismatches.join("\n")).toMatch(/name/);
    } finally {
      provider.breaking = false;
    }
  });

  it("by default a failure throws a VerificationError that carries the report (passed: false)", async () => {
    provider.breaking = true;
    try {
      const err = await verify().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VerificationError);
      expect((err as VerificationError).report?.passed).toBe(false);
      expect((err as VerificationError).failures.map((f) => f.description)).toEqual([
        "a request for product SKU-1",
      ]);
    } finally {
      provider.breaking = false;
    }
  });
});

describe("pending pacts from a broker", { timeout: 60_000 }, () => {
  it("a pending pact's failure is listed but leaves passed true", async () => {
    await using broker = await startBrokerServer({ dataDir: tempDir("verify-pending") });
    const published = await pactBroker([
      "publish",
      pact,
      "--broker-base-url",
      broker.url,
      "--consumer-app-version",
      "1",
      "--branch",
      "feat/x",
    ]);
    expect(published.code, published.stdout + published.stderr).toBe(0);
    const fromBroker = (branch: string) =>
      verifyProvider({
        provider: "products",
        source: {
          kind: "broker",
          broker: resolveBrokerConfig({ brokerBaseUrl: broker.url }, {}),
          consumerVersionSelectors: [{ branch }],
          enablePending: true,
        },
        providerBaseUrl: provider.url,
        publish: { providerVersion: "p1", providerVersionBranch: "main" },
        throwOnFailure: false,
        logLevel: "error",
      });
    provider.breaking = true;
    try {
      const pending = await fromBroker("feat/x");
      expect(pending.passed).toBe(true);
      expect(pending.pendingFailures.map((f) => f.description)).toEqual(["a request for product SKU-1"]);
      expect(pending.interactions).toEqual([expect.objectContaining({ ok: false, pending: true })]);
    } finally {
      provider.breaking = false;
    }
  });
});

describe("reportOf (the verifier's JSON -> report)", () => {
  const ok = { description: "a", result: "OK" };
  it("a run the verifier rejected never passed, whatever its JSON says", () => {
    expect(reportOf("p", { result: true, interactionResults: [ok] }, true, 1).passed).toBe(false);
  });
  it("result false from the verifier is a failure", () => {
    expect(reportOf("p", { result: false, interactionResults: [ok] }, false, 1).passed).toBe(false);
  });
  it("a non-pending interaction that is not OK is a failure; a pending one is not", () => {
    const failed = { description: "b", result: "Error" };
    expect(reportOf("p", { result: true, interactionResults: [ok, failed] }, false, 1).passed).toBe(false);
    expect(
      reportOf("p", { result: true, interactionResults: [ok, { ...failed, pending: true }] }, false, 1)
        .passed,
    ).toBe(true);
  });
  it("a failure the verifier lists as pending (as it reports them: result Error, named in pendingErrors) is not", () => {
    const r = reportOf(
      "p",
      {
        result: true,
        interactionResults: [ok, { description: "b", result: "Error" }],
        errors: [],
        pendingErrors: [
          { interaction: "Verifying a pact between web and p - b", mismatch: { message: "missing name" } },
        ],
      },
      false,
      1,
    );
    expect(r.passed).toBe(true);
    expect(r.interactions[1]).toMatchObject({ description: "b", ok: false, pending: true });
    expect(r.pendingFailures).toEqual([{ description: "b", mismatches: ["missing name"] }]);
  });
  it("a listed (non-pending) error is a failure", () => {
    const r = reportOf(
      "p",
      { result: true, interactionResults: [ok], errors: [{ interaction: "a", mismatch: { message: "x" } }] },
      false,
      1,
    );
    expect(r.passed).toBe(false);
    expect(r.failures).toEqual([{ description: "a", mismatches: ["x"] }]);
  });
});
