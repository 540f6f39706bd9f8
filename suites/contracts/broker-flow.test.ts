/**
 * The Pact Broker flow, as users run it, against faultline's local broker (token auth on):
 * publish the storefront's pact -> verify gateway from the broker with consumer version
 * selectors on the real stack, publishing results -> record the deployment -> can-i-deploy
 * says yes; an unverified consumer version gets a no, and so does one whose verification
 * failed. A feature-branch pact is pending and WIP. No token ever reaches any output.
 *
 * Every command runs as a child process (bin/faultline.mjs, the same
 * commands `faultline` registers), so what is checked is what a user's terminal shows.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/contracts/broker/index.ts";
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

/** Everything any command printed, and everything the broker logged: checked for the token at the end. */
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

  beforeAll(async () => {
    if (!fs.existsSync(PACT)) throw new Error(`${PACT} is missing: run faultline contracts test first`);
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

    // A feature branch of the storefront that wants a field the gateway does not have.
    const pact = JSON.parse(fs.readFileSync(PACT, "utf8")) as {
      interactions: { description: string; response: { body: { content: Record<string, unknown> } } }[];
    };
    pact.interactions.find(
      (i) => i.description === "a request for product SKU-1",
    )!.response.body.content.loyalty_points = 10;
    featurePact = path.join(dataDir, "storefront-gateway.json");
    fs.writeFileSync(featurePact, JSON.stringify(pact, null, 2));
  });
  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    timings.report();
  });

  it("publishes the storefront's pact with its version, branch, tag and build URL", async () => {
    const r = await faultline(
      [
        "contracts",
        "publish",
        PACT,
        "-a",
        "sf-1",
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
    expect(r.stdout).toContain("Created storefront version sf-1 with branch main and tag main");
    expect(r.stdout).toContain(
      "Pact successfully published for storefront version sf-1 and provider gateway",
    );
  });

  it("verifies gateway from the broker (mainBranch, matchingBranch, deployedOrReleased) on the real stack and publishes the results", async () => {
    const r = await faultline(
      [
        "contracts",
        "verify",
        "--provider",
        "gateway",
        "--main-branch",
        "--matching-branch",
        "--deployed-or-released",
        "--enable-pending",
        "--publish",
        "--provider-app-version",
        "gw-1",
        "--provider-version-branch",
        "main",
        "--json",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = jsonReport(r.stdout);
    timings.add("provider verification from the broker (5 interactions)", report.durationMs);
    expect(report.interactions).toHaveLength(5);
    expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
    expect(report.notices.join("\n")).toMatch(/latest version from branch 'main'|main branch/i);
  });

  it("can-i-deploy says yes for the verified storefront version once gateway gw-1 is deployed", async () => {
    const rec = await faultline(
      ["record-deployment", "-a", "gateway", "-e", "gw-1", "--environment", "production"],
      env,
    );
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toMatch(/Recorded deployment of gateway version gw-1 to production/i);
    const r = await faultline(
      ["can-i-deploy", "-a", "storefront", "-e", "sf-1", "--to-environment", "production"],
      env,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Computer says yes");
  });

  it("can-i-deploy says no (exit 1) for a storefront version nobody verified", async () => {
    const pub = await faultline(
      ["contracts", "publish", featurePact, "-a", "sf-2", "--branch", "feat/loyalty"],
      env,
    );
    expect(pub.code, pub.stderr).toBe(0);
    const r = await faultline(
      ["can-i-deploy", "-a", "storefront", "-e", "sf-2", "--to-environment", "production"],
      env,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Computer says no");
  });

  it("the feature-branch pact is WIP and pending: its failure is reported, not fatal; can-i-deploy still says no", async () => {
    const r = await faultline(
      [
        "contracts",
        "verify",
        "--provider",
        "gateway",
        "--main-branch",
        "--enable-pending",
        "--include-wip-pacts-since",
        "2020-01-01",
        "--publish",
        "--provider-app-version",
        "gw-2",
        "--provider-version-branch",
        "main",
        "--json",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const report = jsonReport(r.stdout);
    timings.add("provider verification from the broker (5 interactions)", report.durationMs);
    expect(report.pendingFailures.map((f) => f.description)).toEqual(["a request for product SKU-1"]);
    expect(report.pendingFailures[0]!.mismatches.join("\n")).toMatch(/loyalty_points/);
    expect(report.notices.join("\n")).toMatch(/pending/i);
    expect(report.notices.join("\n")).toMatch(/work in progress|WIP/i);
    const no = await faultline(
      ["can-i-deploy", "-a", "storefront", "-e", "sf-2", "--to-environment", "production"],
      env,
    );
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
    // Nothing any command printed, nothing the broker logged, no report written contains a token.
    const reports = path.join(reportsDir(), "contracts");
    const stored = fs.existsSync(reports)
      ? fs.readdirSync(reports).map((f) => fs.readFileSync(path.join(reports, f), "utf8"))
      : [];
    const everything = [...seen, ...stored].join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(Buffer.from(TOKEN).toString("base64"));
    expect(everything).not.toContain(wrong);
  });
});
