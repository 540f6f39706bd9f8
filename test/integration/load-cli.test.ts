import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { docker } from "../../src/docker-client.ts";
import { LABEL_RUN_ID } from "../../src/env/run-labels.ts";
import { projectRoot } from "../../src/paths.ts";
import { readJournal, writeJournal } from "../../src/report/journal.ts";

const run = promisify(execFile);
type PsJson = { services: { name: string; state: string; ready?: boolean; urls: Record<string, string> }[] };
const bin = path.join(projectRoot(), "bin", "faultline.mjs");
const reports = await mkdtemp(path.join(tmpdir(), "faultline-load-reports-"));
// A cache of its own, so this test's detached stack does not meet a developer's `faultline up`.
const cache = await mkdtemp(path.join(tmpdir(), "faultline-load-cache-"));

async function faultline(...args: string[]) {
  try {
    const r = await run(process.execPath, [bin, ...args], {
      cwd: projectRoot(),
      env: { ...process.env, FAULTLINE_REPORTS_DIR: reports, FAULTLINE_CACHE_DIR: cache },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

// A scenario file of the test's own, inside the project (so it is read as an ES module).
const scratch = path.join(projectRoot(), ".scratch", path.basename(reports));

describe("faultline load, as a user runs it", () => {
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    await faultline("down", "--all");
  });

  it("lists the scenarios", async () => {
    const r = await faultline("load", "list", "--json");
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { name: string; profile: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["smoke", "spike", "grpc"]));
  });

  it("exits 99 when a threshold fails, prints the JSON summary and writes the journal", async () => {
    await mkdir(scratch, { recursive: true });
    const file = path.join(scratch, "impossible.ts");
    await writeFile(
      file,
      `export default {
        description: "list products, with a threshold no real service meets",
        profile: "smoke", rate: 5,
        requests: [{ name: "list_products", service: "gateway", path: "/v1/products" }],
        thresholds: { http_req_duration: ["p(95)<0.001"], http_req_failed: ["rate<0.5"] },
      };\n`,
    );
    const r = await faultline("load", "run", file, "--duration", "3s", "--json");
    expect(r.code, r.stderr).toBe(99);
    const out = JSON.parse(r.stdout) as {
      runId: string;
      reportDir: string;
      thresholds: { metric: string; expression: string; observed: number; ok: boolean }[];
      metrics: Record<string, { values: Record<string, number> }>;
    };
    expect(out.thresholds).toEqual([
      { metric: "http_req_duration", expression: "p(95)<0.001", observed: expect.any(Number), ok: false },
      { metric: "http_req_failed", expression: "rate<0.5", observed: 0, ok: true },
    ]);
    expect(out.metrics.http_reqs?.values.count).toBeGreaterThan(0);
    const journal = await readJournal(path.join(reports, out.runId, "journal.json"));
    expect(journal.status).toBe("failed");
    expect(journal.load?.runs[0]?.series.length).toBeGreaterThan(0);
  });

  it("fails on a regression against a baseline, printing both figures", async () => {
    // A baseline that served 10,000 requests a second: today's run cannot keep up.
    const base = path.join(reports, "baseline");
    const t = new Date().toISOString();
    await writeJournal(base, {
      version: 2,
      runId: "fast-baseline",
      target: "shop",
      command: "faultline load run smoke",
      startedAt: t,
      endedAt: t,
      status: "completed",
      phases: [],
      load: {
        runs: [
          {
            name: "smoke",
            executor: "constant-arrival-rate",
            startedAt: t,
            endedAt: t,
            status: "passed",
            series: [{ t, requests: 10_000, ok: 10_000, fail: 0, unknown: 0 }],
            requests: [],
            thresholds: [],
            metrics: { http_req_duration: { type: "trend", values: { "p(95)": 1000 } } },
          },
        ],
      },
    });
    const r = await faultline(
      "load",
      "run",
      "smoke",
      "--duration",
      "3s",
      "--baseline",
      path.join(base, "journal.json"),
    );
    expect(r.code, r.stderr).toBe(99);
    expect(r.stdout).toContain("BASELINE (run fast-baseline)");
    expect(r.stdout).toMatch(/✗ throughput \(req\/s\)\s+baseline 10000\.000\s+now \d/);
    expect(r.stdout).toMatch(/✓ p95 \(ms\)/);
    expect(r.stdout).toContain("FAILED: regression against run fast-baseline");
    expect(r.stderr).toMatch(/\n\s+1s\s+\d+ req\/s\s+p95 [\d.]+ ms\s+errors 0/);
  });

  it("--attach runs on the stack started with faultline up, leaves it running and follows a restarted container", async () => {
    expect((await faultline("up")).code).toBe(0);
    const r = await faultline("load", "run", "smoke", "--attach", "--duration", "3s", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "passed" });
    // Left running: every container of the stack is there and running (the load run ran with
    // the stack's run id in its environment, as a shell that exported it for `up` has).
    const gatewayRow = async () =>
      (JSON.parse((await faultline("ps", "--json")).stdout) as PsJson).services.find(
        (x) => x.name === "gateway",
      )!;
    const ps = JSON.parse((await faultline("ps", "--json")).stdout) as PsJson & { runId: string };
    expect(ps.services.map((x) => [x.name, x.state])).toEqual(ps.services.map((x) => [x.name, "running"]));
    expect(ps.services).toHaveLength(9);
    // Restarted by hand, a container is published on new host ports; `ps` and an attached run
    // follow them (both used the ports `up` recorded: "ready: NO", and "fetch failed").
    const before = await gatewayRow();
    const gateway = (
      await docker().listContainers({ filters: JSON.stringify({ label: [`${LABEL_RUN_ID}=${ps.runId}`] }) })
    ).find((c) => c.Names.some((n) => n.endsWith("-gateway")));
    expect(gateway, `the gateway container of run ${ps.runId}`).toBeDefined();
    await docker().getContainer(gateway!.Id).restart({ t: 5 });
    await expect.poll(async () => (await gatewayRow()).ready, { timeout: 30_000 }).toBe(true);
    expect((await gatewayRow()).urls.http).not.toBe(before.urls.http);
    const chaos = await faultline("chaos", "run", "payment-declined", "--attach", "--seed", "1");
    expect(chaos.code, `${chaos.stdout}\n${chaos.stderr}`).toBe(0);
    expect((await faultline("down")).code).toBe(0);
  }, 240_000);
});
