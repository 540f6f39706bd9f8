/**
 * k6 scripts (suites/load/k6) run unchanged on the runner's JavaScript engine against the shop:
 * one detached stack, `faultline load run <script> --attach`, as a k6 user runs them.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/report/journal.ts";
import { runFaultline } from "../support/faultline-cli.ts";

const reports = await mkdtemp(path.join(tmpdir(), "faultline-k6-reports-"));
// A cache of its own: this test's detached stack never meets a developer's `faultline up`.
const cache = await mkdtemp(path.join(tmpdir(), "faultline-k6-cache-"));
const faultline = (...args: string[]) =>
  runFaultline(args, { FAULTLINE_REPORTS_DIR: reports, FAULTLINE_CACHE_DIR: cache });
/** `faultline load run <script> --attach ...` */
const k6run = (script: string, ...args: string[]) =>
  faultline("load", "run", `k6/${script}`, "--attach", ...args);

interface JsonOut {
  runId: string;
  status: string;
  exitCode: number;
  thresholds: { metric: string; expression: string; observed: number; ok: boolean }[];
  metrics: Record<string, { type: string; values: Record<string, number> }>;
}

describe("k6 scripts on faultline's runner", () => {
  beforeAll(async () => {
    const up = await faultline("up");
    expect(up.code, up.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await faultline("down", "--all");
  }, 120_000);

  it("smoke.js passes its thresholds, prints k6's summary and writes the per-second series", async () => {
    const summary = path.join(reports, "smoke-summary.json");
    const r = await k6run("smoke.js", "--duration", "3s", "--summary-export", summary);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ checks\.+: 100\.00%/);
    expect(r.stdout).toMatch(/✓ http_req_duration\.+: avg=/);
    expect(r.stdout).toContain("█ order");
    expect(r.stdout).toContain("✓ same order");
    const exported = JSON.parse(await readFile(summary, "utf8")) as {
      metrics: Record<string, Record<string, unknown>>;
    };
    expect(exported.metrics.http_reqs?.count).toBeGreaterThan(10);
    expect(exported.metrics["http_req_duration{name:list_products}"]?.thresholds).toEqual({
      "p(95)<1000": false,
    });
    const runId = /report: .*?([^/\s]+)\n/.exec(r.stdout)![1]!;
    const journal = await readJournal(path.join(reports, runId, "journal.json"));
    const load = journal.load!.runs[0]!;
    expect(load.series.length).toBeGreaterThanOrEqual(3);
    expect(load.series.reduce((a, s) => a + s.requests, 0)).toBe(exported.metrics.http_reqs?.count);
    expect(load.requests.map((x) => x.name).sort()).toEqual(["create_order", "get_order", "list_products"]);
  }, 120_000);

  it("exits 99 when a threshold is tightened with -e, and names it", async () => {
    const r = await k6run("smoke.js", "--duration", "2s", "-e", "P95_MS=0.001", "--json");
    expect(r.code, r.stderr).toBe(99);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.status).toBe("failed");
    expect(out.thresholds.find((t) => t.metric === "http_req_duration")).toMatchObject({
      expression: "p(95)<0.001",
      ok: false,
    });
    expect(out.thresholds.filter((t) => t.metric !== "http_req_duration").every((t) => t.ok)).toBe(true);
  }, 120_000);

  it("custom-metrics.js: tagged thresholds on Counter, Gauge, Rate and Trend hold on the real shop", async () => {
    const r = await k6run("custom-metrics.js", "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as JsonOut;
    expect(out.metrics["orders_placed{currency:EUR}"]?.values.count).toBe(30);
    expect(out.metrics.catalogue_size?.values.value).toBeGreaterThan(0);
    expect(out.thresholds).toHaveLength(6);
  }, 120_000);

  it("shared-data.js: SharedArray and setup() data reach every VU, --out json writes k6's lines", async () => {
    const out = path.join(reports, "shared.jsonl");
    const r = await k6run("shared-data.js", "--quiet", "--out", `json=${out}`);
    expect(r.code, r.stderr).toBe(0);
    const lines = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const checks = lines.filter((l) => l.type === "Point" && l.metric === "checks");
    expect(checks).toHaveLength(4 * 5 * 3);
    expect(checks.every((l) => (l.data as { value: number }).value === 1)).toBe(true);
  }, 120_000);
});
