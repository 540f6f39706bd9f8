/**
 * gRPC pacts go through the broker like the HTTP and message pacts, with the same commands
 * a user types (bin/faultline.mjs as a child process): publish orders' gRPC pacts ->
 * `contracts verify` payments and inventory from the broker on the real stack, publishing
 * the results -> record their deployments -> can-i-deploy orders says yes. Then payments
 * rebuilt from a modified proto is verified (through `--harness`, the CLI unchanged), its
 * failing results are published, and can-i-deploy says no for that payments version.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBrokerServer, type StartedBrokerServer } from "../../src/broker/index.ts";
import { createOrUpdatePacticipant, ensureEnvironment } from "../../src/contracts/broker-commands.ts";
import { resolveBrokerConfig } from "../../src/contracts/broker-config.ts";
import { Timings } from "../../src/contracts/timings.ts";
import type { VerificationReport } from "../../src/contracts/verify.ts";
import { projectRoot, reportsDir } from "../../src/paths.ts";
import { buildFromModifiedProto, type ModifiedProvider } from "./support/modified-provider.ts";

const pactOf = (name: string) => path.join(projectRoot(), "pacts", `${name}.json`);
const CLI = path.join(projectRoot(), "bin", "faultline.mjs");
const timings = new Timings("grpc-broker-flow");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function faultline(args: string[], env: Record<string, string>): Promise<Run> {
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
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The JSON report `contracts verify --json` prints last (after the verifier's own output). */
function jsonReport(stdout: string): VerificationReport {
  const at = stdout.lastIndexOf("\n{\n");
  return JSON.parse(at >= 0 ? stdout.slice(at + 1) : stdout) as VerificationReport;
}

const verifyArgs = (provider: string, version: string) => [
  "contracts",
  "verify",
  "--provider",
  provider,
  "--main-branch",
  "--publish",
  "--provider-app-version",
  version,
  "--provider-version-branch",
  "main",
  "--json",
];

describe("gRPC pacts through the broker: publish, verify, can-i-deploy", () => {
  let broker: StartedBrokerServer;
  let env: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    for (const p of ["orders-payments", "orders-inventory"])
      if (!fs.existsSync(pactOf(p)))
        throw new Error(`${pactOf(p)} is missing: run faultline contracts test first`);
    fs.mkdirSync(reportsDir(), { recursive: true });
    dataDir = fs.mkdtempSync(path.join(reportsDir(), "tmp-grpc-broker-"));
    broker = await startBrokerServer({ port: 0, dataDir });
    env = { PACT_BROKER_BASE_URL: broker.url };
    const config = resolveBrokerConfig({}, env);
    for (const p of ["orders", "payments", "inventory"])
      await createOrUpdatePacticipant(config, p, { mainBranch: "main" });
    await ensureEnvironment(config, "production", { production: true });
  });
  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    timings.report();
  });

  it("publishes orders' gRPC pacts like any other", async () => {
    const r = await faultline(
      [
        "contracts",
        "publish",
        pactOf("orders-payments"),
        pactOf("orders-inventory"),
        "-a",
        "ord-1",
        "--branch",
        "main",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Pact successfully published for orders version ord-1 and provider payments");
    expect(r.stdout).toContain("Pact successfully published for orders version ord-1 and provider inventory");
    // The broker serves the pact back with the plugin's descriptors and proto intact.
    const latest = (await (
      await fetch(`${broker.url}/pacts/provider/payments/consumer/orders/latest`)
    ).json()) as {
      metadata: { plugins: { name: string; configuration: Record<string, { protoFile: string }> }[] };
    };
    const plugin = latest.metadata.plugins.find((p) => p.name === "protobuf")!;
    expect(Object.values(plugin.configuration)[0]!.protoFile).toContain("service PaymentsService");
  });

  for (const [provider, version] of [
    ["payments", "pay-1"],
    ["inventory", "inv-1"],
  ] as const) {
    it(`contracts verify ${provider} from the broker over gRPC on the real stack, publishing the results`, async () => {
      const r = await faultline(verifyArgs(provider, version), env);
      expect(r.code, r.stdout.slice(-3000) + r.stderr).toBe(0);
      const report = jsonReport(r.stdout);
      timings.add(`provider verification from the broker (${provider}, 3 interactions)`, report.durationMs);
      expect(report.interactions).toHaveLength(3);
      expect(report.interactions.filter((i) => !i.ok)).toEqual([]);
      const rec = await faultline(
        ["record-deployment", "-a", provider, "-e", version, "--environment", "production"],
        env,
      );
      expect(rec.code, rec.stderr).toBe(0);
    });
  }

  it("can-i-deploy says yes for orders ord-1 once payments and inventory are verified and deployed", async () => {
    const r = await faultline(
      ["can-i-deploy", "-a", "orders", "-e", "ord-1", "--to-environment", "production"],
      env,
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Computer says yes");
  });

  it("can-i-deploy says no for a payments built from a proto that breaks orders", async () => {
    const rec = await faultline(
      ["record-deployment", "-a", "orders", "-e", "ord-1", "--environment", "production"],
      env,
    );
    expect(rec.code, rec.stderr).toBe(0);
    await using modified: ModifiedProvider = await buildFromModifiedProto("payments", "pact-broker-flow", [
      {
        file: "proto/shop/payments/v1/payments.proto",
        from: "string id = 1;\n  string order_id = 2;",
        to: "string id = 16;\n  string order_id = 2;",
      },
    ]);
    // The CLI unchanged: a harness module that starts the rebuilt payments instead of the stack's own.
    const harness = path.join(dataDir, "payments-modified.ts");
    const providers = path.join(projectRoot(), "suites", "contracts", "providers", "payments.ts");
    fs.writeFileSync(
      harness,
      [
        `import payments from ${JSON.stringify(providers)};`,
        `export default { ...payments, setUp: (stack, o = {}) => payments.setUp(stack, { ...o, image: ${JSON.stringify(modified.image)}, protos: ${JSON.stringify(modified.protos)} }) };`,
        "",
      ].join("\n"),
    );
    const r = await faultline([...verifyArgs("payments", "pay-2"), "--harness", harness], env);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/\$\.payment\.id/);
    expect(r.stdout + r.stderr).toMatch(
      /field id is number 1 in the pact but 16 in the provider's proto \(renumbered\)/,
    );
    const no = await faultline(
      ["can-i-deploy", "-a", "payments", "-e", "pay-2", "--to-environment", "production"],
      env,
    );
    expect(no.code).toBe(1);
    expect(no.stdout).toContain("Computer says no");
  });
});
