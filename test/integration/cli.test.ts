import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";
import { runFaultline } from "../support/faultline-cli.ts";

const run = promisify(execFile);
const bin = path.join(projectRoot(), "bin", "faultline.mjs");
// A cache of its own, so this test's detached stack state does not meet a developer's `faultline up`.
const cache = await mkdtemp(path.join(tmpdir(), "faultline-cli-"));

const faultline = (...args: string[]) => runFaultline(args, { FAULTLINE_CACHE_DIR: cache });

describe("the faultline CLI, as a user runs it", () => {
  afterAll(async () => {
    await faultline("down", "--all");
  });

  it("--help lists every command, and each command has --help", async () => {
    const help = await faultline("--help");
    expect(help.code).toBe(0);
    for (const cmd of [
      "images",
      "doctor",
      "up",
      "ps",
      "logs",
      "down",
      "run",
      "bench",
      "broker",
      "contracts",
      "can-i-deploy",
      "record-deployment",
      "report",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
      const sub = await faultline(cmd, "--help");
      expect(sub.code, `${cmd} --help`).toBe(0);
      expect(sub.stdout).toMatch(/^Usage: faultline /);
    }
  });

  it("an unknown command or target says what is known", async () => {
    const unknown = await faultline("chaoss");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'chaoss'/);
    const target = await faultline("up", "--target", "nope");
    expect(target.code).toBe(1);
    expect(target.stderr).toMatch(
      /targets\/nope\/faultline\.yaml.*cannot read the file: pass a target name under targets\//s,
    );
    const ps = await faultline("ps", "--target", "shop");
    expect(ps.code).toBe(1);
    expect(ps.stderr).toMatch(
      /No stack of target "shop" is up \(start one with: faultline up --target shop\)/,
    );
  });

  it("a failed run still writes its journal and report, and exits 1", async () => {
    const reports = await mkdtemp(path.join(tmpdir(), "faultline-reports-"));
    const r = await run(process.execPath, [bin, "run", "--target", "nope", "--json"], {
      cwd: projectRoot(),
      env: { ...process.env, FAULTLINE_CACHE_DIR: cache, FAULTLINE_REPORTS_DIR: reports },
    }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(r.code).toBe(1);
    const journal = JSON.parse(r.stdout) as {
      runId: string;
      status: string;
      phases: { name: string; status: string; detail: string }[];
    };
    expect(journal.status).toBe("failed");
    expect(journal.phases[0]).toMatchObject({ name: "manifest", status: "failed" });
    expect(journal.phases[0]!.detail).toMatch(/targets\/nope\/faultline\.yaml/);
    const html = await readFile(path.join(reports, journal.runId, "index.html"), "utf8");
    expect(html).toMatch(/<span class="badge failed">failed<\/span>/);
    expect(JSON.parse(await readFile(path.join(reports, journal.runId, "journal.json"), "utf8"))).toEqual(
      journal,
    );
  });

  it("images list --json gives name, reference, state, size, input hash and build time", async () => {
    const r = await faultline("images", "list", "--json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as {
      name: string;
      ref: string;
      state: string;
      sizeBytes: number;
      inputHash: string;
      builtAt: string;
    }[];
    const pg = list.find((i) => i.name === "postgres");
    expect(pg).toMatchObject({ ref: "faultline/postgres:15", state: "current" });
    expect(pg!.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(pg!.sizeBytes).toBeGreaterThan(1_000_000);
    expect(Date.parse(pg!.builtAt)).not.toBeNaN();
    // The shop's services come from its manifest's build: entries, not from the catalog.
    expect(list.find((i) => i.name === "shop-orders")).toMatchObject({ ref: "faultline/shop-orders:dev" });
    const only = await faultline("images", "list", "--json", "--target", "nope");
    expect(only.code).not.toBe(0);
    expect(only.stderr).toMatch(/targets\/nope\/faultline\.yaml/);
  });

  it("up, ps, logs and down drive a detached stack", async () => {
    const up = await faultline("up", "--json");
    expect(up.code, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout) as { entrypointUrl: string; edges: string[]; runId: string };
    expect(state.edges).toContain("orders->payments");
    expect((await fetch(`${state.entrypointUrl}/v1/products`)).status).toBe(200);

    const ps = await faultline("ps", "--json");
    const live = JSON.parse(ps.stdout) as {
      services: { name: string; state: string; ready?: boolean }[];
      edges: { name: string; enabled: boolean }[];
    };
    expect(live.services.find((s) => s.name === "gateway")).toMatchObject({ state: "running", ready: true });
    expect(live.edges.map((e) => e.name)).toContain("gateway->orders");

    const logs = await faultline("logs", "gateway", "--tail", "50");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/"service":"gateway"/);

    const again = await faultline("up");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already up .* faultline down --target shop/);

    const down = await faultline("down", "--json");
    expect(down.code).toBe(0);
    const removed = JSON.parse(down.stdout) as { target: string; containers: string[]; networks: string[] }[];
    // Toxiproxy, PostgreSQL, Kafka, the trace backend and the five services.
    expect(removed[0]?.containers).toHaveLength(9);
    expect(removed[0]?.networks).toHaveLength(1);
  });
});
