/**
 * The Pact Broker flow, as users run it, against faultline's local broker (token auth on):
 * publish the storefront's pact -> verify gateway from the broker with consumer version
 * selectors on the real stack, publishing results -> record the deployment -> can-i-deploy
 * says yes; an unverified consumer version gets a no, and so does one whose verification
 * failed. A feature-branch pact is pending and WIP. No token ever reaches any output.
 *
 * Every command runs as a child process (bin/faultline.mjs, the same
 * commands `faultline` registers), so what is checked is what a user's terminal shows.
 * Each test stands alone: it gets a broker of its own (a fresh data directory) and publishes,
 * verifies and deploys what it needs itself, so tests can run alone or in any order.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import { createOrUpdatePacticipant, ensureEnvironment } from "../../src/contracts/broker-commands.ts";
import { resolveBrokerConfig } from "../../src/contracts/broker-config.ts";
import { Timings } from "../../src/contracts/timings.ts";
import type { VerificationReport } from "../../src/contracts/verify.ts";
import { projectRoot, reportsDir } from "../../src/paths.ts";

const TOKEN = "fl-test-token-7c1e9a4b2d";
const PACT = path.join(projectRoot(), "pacts", "storefront-gateway.json");
const CLI = path.join(projectRoot(), "bin", "faultline.mjs");
const timings = new Timings("broker-flow");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything the current test's commands printed and its broker logged: checked for the token after each test. */
const seen: string[] = [];

function faultline(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: projectRoot(),
        env: { ...process.env, NO_COLOR: "1", ...env },
        timeout: 170_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const r = { code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr };
        seen.push(stdout, stderr);
        resolve(r);
      },
    );
  });
}

/** The JSON report `contracts verify --json` prints last (after the verifier's own output). */
function jsonReport(stdout: string): VerificationReport {
  const at = stdout.lastIndexOf("\n{\n");
  return JSON.parse(at >= 0 ? stdout.slice(at + 1) : stdout) as VerificationReport;
}

describe("the broker flow with the official pact CLI and the FFI verifier", () => {
  let broker: StartedBrokerServer;
  let env: Record<string, string>;
  let dataDir: string;
  let featurePact: string;
  let featureDir: string;

  beforeAll(() => {
    if (!fs.existsSync(PACT)) throw new Error(`${PACT} is missing: run faultline contracts test first`);
    // A feature branch of the storefront that wants a field the gateway does not have.
    const pact = JSON.parse(fs.readFileSync(PACT, "utf8")) as {
      interactions: { description: string; response: { body: { content: Record<string, unknown> } } }[];
    };
    pact.interactions.find(
      (i) => i.description === "a request for product SKU-1",
    )!.response.body.content.loyalty_points = 10;
    featureDir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-broker-flow-pacts-"));
    featurePact = path.join(featureDir, "storefront-gateway.json");
    fs.writeFileSync(featurePact, JSON.stringify(pact, null, 2));
  });
  afterAll(() => {
    fs.rmSync(featureDir, { recursive: true, force: true });
    timings.report();
  });

  // A broker of its own for every test.
  beforeEach(async () => {
    seen.length = 0;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-broker-flow-"));
    const log = (m: string) => void seen.push(m);
    broker = await startBrokerServer({
      port: 0,
      dataDir,
      auth: { token: TOKEN },
      logger: { info: log, warn: log, error: log, debug: log },
    });
    env = { PACT_BROKER_BASE_URL: broker.url, PACT_BROKER_TOKEN: TOKEN };
    const config = resolveBrokerConfig({}, env);
    await createOrUpdatePacticipant(config, "storefront", { mainBranch: "main" });
    await createOrUpdatePacticipant(config, "gateway", { mainBranch: "main" });
    await ensureEnvironment(config, "production", { production: true });
  });
  afterEach(async () => {
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    // Nothing this test's commands printed, nothing its broker logged, no report written contains the token.
    const reports = path.join(reportsDir(), "contracts");
    const stored = fs.existsSync(reports)
      ? fs.readdirSync(reports).map((f) => fs.readFileSync(path.join(reports, f), "utf8"))
      : [];
    const everything = [...seen, ...stored].join("\n");
    expect(everything).toContain("broker: listening on");
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(TOKEN).toString("base64"));
  });

  /** The storefront's pact on main, as CI publishes it. */
  async function publishMain(version: string): Promise<Run> {
    const r = await faultline(
      [
        "contracts",
        "publish",
        PACT,
        "-a",
        version,
        "--branch",
        "main",
        "--tag",
        "main",
        "--build-url",
        "https://ci.example/builds/1",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    return r;
  }

  async function publishFeature(version: string): Promise<void> {
    const r = await faultline(
      ["contracts", "publish", featurePact, "-a", version, "--branch", "feat/loyalty"],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
  }

  /** `contracts verify` of gateway from the broker on the real stack, publishing its results. */
  async function verifyGateway(providerVersion: string, selectors: string[]): Promise<VerificationReport> {
    const r = await faultline(
      [
        "contracts",
        "verify",
        "--provider",
        "gateway",
        ...selectors,
        "--enable-pending",
        "--publish",
        "--provider-app-version",
        providerVersion,
        "--provider-version-branch",
        "main",
        "--json",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = jsonReport(r.stdout);
    timings.add("provider verification from the broker (5 interactions)", report.durationMs);
    return report;
  }

  async function recordDeployment(version: string): Promise<void> {
    const rec = await faultline(
      ["record-deployment", "-a", "gateway", "-e", version, "--environment", "production"],
      env,
    );
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(
      new RegExp(`Recorded deployment of gateway version ${version} to production`, "i"),
    );
  }

  const canIDeploy = (version: string) =>
    faultline(["can-i-deploy", "-a", "storefront", "-e", version, "--to-environment", "production"], env);

  it("publishes the storefront's pact with its version, branch, tag and build URL", async () => {
    const r = await publishMain("sf-1");
    expect(r.stdout).toContain("Created storefront version sf-1 with branch main and tag main");
    expect(r.stdout).toContain(
      "Pact successfully published for storefront version sf-1 and provider gateway",
    );
  });

  it("verifies gateway from the broker (mainBranch, matchingBranch, deployedOrReleased) on the real stack and publishes the results", async () => {
    await publishMain("sf-1");
    const report = await verifyGateway("gw-1", [
      "--main-branch",
      "--matching-branch",
      "--deployed-or-released",
    ]);
    expect(report.passed).toBe(true);
    expect(report.interactions).toHaveLength(5);
    expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
    expect(report.notices.join("\n")).toMatch(/latest version from branch 'main'|main branch/i);
  });

  it("can-i-deploy says yes for the verified storefront version once gateway gw-1 is deployed", async () => {
    await publishMain("sf-1");
    expect((await verifyGateway("gw-1", ["--main-branch"])).passed).toBe(true);
    await recordDeployment("gw-1");
    const r = await canIDeploy("sf-1");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Computer says yes");
  });

  it("can-i-deploy says no (exit 1) for a storefront version nobody verified", async () => {
    // A gateway version in production that never verified anything.
    const put = await fetch(`${broker.url}/pacticipants/gateway/versions/gw-1`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ branch: "main" }),
    });
    expect(put.status).toBe(201);
    await recordDeployment("gw-1");
    await publishFeature("sf-2");
    const r = await canIDeploy("sf-2");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Computer says no");
  });

  it("the feature-branch pact is WIP and pending: its failure is reported, not fatal; can-i-deploy still says no", async () => {
    await publishMain("sf-1");
    await publishFeature("sf-2");
    const report = await verifyGateway("gw-2", ["--main-branch", "--include-wip-pacts-since", "2020-01-01"]);
    expect(report.passed).toBe(true);
    expect(report.pendingFailures.map((f) => f.description)).toEqual(["a request for product SKU-1"]);
    expect(report.pendingFailures[0]!.mismatches.join("\n")).toMatch(/loyalty_points/);
    expect(report.notices.join("\n")).toMatch(/pending/i);
    expect(report.notices.join("\n")).toMatch(/work in progress|WIP/i);
    await recordDeployment("gw-2");
    const no = await canIDeploy("sf-2");
    expect(no.code).toBe(1);
    expect(no.stdout).toContain("Computer says no");
  });

  it("no pacts for a provider is a failure, not a pass", async () => {
    const r = await faultline(
      [
        "contracts",
        "verify",
        "--provider",
        "billing",
        "--provider-base-url",
        "http://127.0.0.1:9",
        "--main-branch",
      ],
      env,
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no pacts|No pacts/i);
    const local = await faultline(
      ["contracts", "verify", "--provider", "billing", "--pact", path.dirname(PACT)],
      {
        PACT_BROKER_BASE_URL: undefined,
      },
    );
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("No pacts for provider billing");
  });

  it("refuses a wrong or missing token without ever printing a token", async () => {
    await publishMain("sf-1");
    const wrong = "wrong-token-5d8e2f";
    const bad = await faultline(["can-i-deploy", "-a", "storefront", "-e", "sf-1", "--broker-token", wrong], {
      PACT_BROKER_BASE_URL: broker.url,
      PACT_BROKER_TOKEN: undefined,
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/401/);
    expect(bad.stdout + bad.stderr).not.toContain(wrong);
    const none = await faultline(["contracts", "publish", PACT, "-a", "sf-3"], {
      PACT_BROKER_BASE_URL: broker.url,
      PACT_BROKER_TOKEN: undefined,
    });
    expect(none.code).not.toBe(0);
    expect(none.stdout + none.stderr).toMatch(/401/);
    expect(seen.join("\n")).not.toContain(wrong);
    // (afterEach checks that the configured token appears nowhere either.)
  });
});
