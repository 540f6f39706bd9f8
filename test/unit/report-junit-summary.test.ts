import { describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import type { Journal } from "../../src/report/journal.ts";
import { renderJunit } from "../../src/report/junit.ts";
import { renderSummary } from "../../src/report/summary-md.ts";
import { areaVerdicts, checks, passRate, runP95, scenarioOutcome } from "../../src/report/verdict.ts";
import { HOSTILE, xmlProblems } from "../support/report-checks.ts";

const failing = () => syntheticJournal({ failing: true, scenarios: 6, loadSeconds: 30 });
const attr = (xml: string, tag: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${tag} [^>]*?${name}="([^"]*)"`, "g"))].map((m) => m[1]);

describe("checks and verdicts", () => {
  it("counts one check per interaction, scenario and threshold", () => {
    const j = failing();
    const cs = checks(j);
    expect(cs.filter((c) => c.area === "contracts")).toHaveLength(j.contracts!.interactions.length);
    expect(cs.filter((c) => c.area === "chaos")).toHaveLength(6);
    expect(cs.filter((c) => c.area === "load")).toHaveLength(3);
    expect(
      cs
        .filter((c) => c.status === "failed")
        .map((c) => c.area)
        .sort(),
    ).toEqual(["chaos", "contracts", "load"]);
    expect(cs.filter((c) => c.status === "error").map((c) => c.name)).toEqual(["kafka-partition"]);
  });

  it("judges a sabotaged run by the detection matrix: caught is a pass, held is a failure", () => {
    const j = failing();
    const sab = j.chaos!.scenarios.find((s) => s.sabotage.length)!;
    expect(scenarioOutcome(sab, j.chaos!.detection)).toMatchObject({
      status: "passed",
      message: expect.stringContaining("caught no-retry"),
    });
    const missed = { ...sab, status: "completed" as const, deviated: false, failures: [] };
    const detection = {
      ...j.chaos!.detection!,
      cells: j.chaos!.detection!.cells.map((c) =>
        c.switch === "no-retry" ? { ...c, ok: false, status: "completed" as const, deviated: false } : c,
      ),
    };
    expect(scenarioOutcome(missed, detection).status).toBe("failed");
    expect(scenarioOutcome(missed).message).toMatch(/did not catch no-retry/);
    // Held with a switch it does not claim (chaos run --sabotage on a whole catalog): nothing was expected.
    const unclaimed = { ...missed, catches: [] };
    expect(scenarioOutcome(unclaimed)).toMatchObject({
      status: "passed",
      message: "held with no-retry, which it does not claim to catch",
    });
  });

  it("never counts an aborted scenario as a pass, and skips an interrupted one", () => {
    const j = failing();
    const s = j.chaos!.scenarios[0]!;
    expect(scenarioOutcome({ ...s, status: "aborted", reason: "safeguard tripped" }).status).toBe("error");
    expect(scenarioOutcome({ ...s, status: "interrupted" }).status).toBe("skipped");
  });

  it("gives each area a verdict with counts, a pass rate and the worst p95", () => {
    const j = failing();
    const v = Object.fromEntries(areaVerdicts(j).map((a) => [a.area, a]));
    expect(v.contracts).toMatchObject({ status: "failed", headline: "23 of 24 interactions passed" });
    expect(v.chaos!.status).toBe("failed");
    expect(v.load).toMatchObject({ status: "failed", headline: "2 of 3 thresholds passed" });
    expect(v.footprint).toMatchObject({ status: "measured", headline: "3 of 5 claims held" });
    // The main job measures without claims: the card says what it measured, not "0 of 0 held".
    const noClaims = { ...j, footprint: { ...j.footprint!, claims: [] } };
    expect(areaVerdicts(noClaims).find((a) => a.area === "footprint")!.headline).toBe(
      `${j.footprint!.services.length} services measured, no claims judged`,
    );
    expect(passRate(j)).toBeCloseTo(29 / 33, 5);
    expect(runP95(j)).toBe(231.4);
    const ok = syntheticJournal({ scenarios: 2, loadSeconds: 5 });
    expect(areaVerdicts(ok).map((a) => a.status)).toEqual(["passed", "passed", "passed", "measured"]);
    expect(passRate(ok)).toBe(1);
  });

  it("marks absent areas skipped", () => {
    const j: Journal = {
      ...failing(),
      contracts: undefined,
      chaos: undefined,
      load: undefined,
      footprint: undefined,
      phases: [],
    };
    expect(areaVerdicts(j).map((a) => a.status)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(passRate(j)).toBeNull();
  });
});

describe("JUnit XML", () => {
  it("has one test case per interaction, scenario and threshold, with failures, errors and evidence", () => {
    const j = failing();
    const xml = renderJunit(j);
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(24 + 6 + 3);
    expect(attr(xml, "testsuites", "tests")).toEqual(["33"]);
    expect(attr(xml, "testsuites", "failures")).toEqual(["3"]);
    expect(attr(xml, "testsuites", "errors")).toEqual(["1"]);
    expect(attr(xml, "testsuite", "name")).toEqual(["contracts", "chaos", "load"]);
    expect(xml).toContain(
      'classname="contracts.storefront-&gt;gateway" name="verify: a request for an order that exists"',
    );
    // The evidence: order IDs of the violated invariant, the mismatch's expected and actual.
    expect(xml).toMatch(
      /<failure message="invariant orders-terminal: 37 orders never reached a terminal state[^"]*"/,
    );
    expect(xml).toContain("ids: ORD-");
    expect(xml).toContain("expected: &quot;42.00&quot;");
    expect(xml).toMatch(/<error message="aborted: safeguard: Toxiproxy stopped answering/);
    expect(xml).toMatch(
      /<testcase classname="load.average" name="http_req_duration: p\(95\)&lt;200" time="0.000">\s*<failure message="http_req_duration p\(95\)&lt;200 failed: observed 231.4"/,
    );
  });

  it("writes skipped for an interrupted scenario", () => {
    const j = failing();
    j.chaos!.scenarios[0]!.status = "interrupted";
    const xml = renderJunit(j);
    expect(xml).toMatch(
      /name="payments-latency" time="[\d.]+">\s*<skipped message="interrupted by the operator"\/>/,
    );
    expect(attr(xml, "testsuites", "skipped")).toEqual(["1"]);
  });

  it("escapes markup and drops characters XML cannot carry", () => {
    const j = syntheticJournal({
      failing: true,
      scenarios: 3,
      loadSeconds: 5,
      hostile: `${HOSTILE}\u0001\u001b[31m`,
    });
    const xml = renderJunit(j);
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).not.toContain("<script");
    expect(xml).not.toContain("<img");
    expect(xml).toContain("&lt;script&gt;window.__pwned=1");
    expect(xml).not.toContain("\u0001");
    expect(xml).not.toContain("\u001b");
    expect(xml).toContain("\uFFFD[31m");
  });
});

describe("summary.md", () => {
  it("shows the verdict per area, what failed with its evidence, load and claims", () => {
    const md = renderSummary(failing(), { reportHref: "reports/run (1)/index.html" });
    expect(md).toMatch(/^## ❌ faultline shop: failed$/m);
    expect(md).toContain("| contracts | ❌ failed | 23 of 24 interactions passed |");
    expect(md).toContain("| footprint | 📏 measured | 3 of 5 claims held |");
    expect(md).toContain("### What failed (4)");
    expect(md).toMatch(
      /- ❌ \*\*chaos\*\* payments-down: invariant orders-terminal: 37 orders never reached a terminal state: ORD-/,
    );
    expect(md).toMatch(/- ⛔ \*\*chaos\*\* kafka-partition: aborted/);
    expect(md).toMatch(
      /\| average \| ❌ failed \| \d+ \| [\d.]+ % \| 231 ms \| ❌ http\\_req\\_duration p\(95\)&lt;200<br>✅ /,
    );
    expect(md).toContain(
      "| gRPC is 3–5x faster than JSON REST | 1.3x (p50 4.1 ms vs 5.4 ms, same host) | ❌ no |",
    );
    expect(md).toContain("[index.html](reports/run%20%281%29/index.html)");
  });

  it("caps the list of failures and says how many more", () => {
    const j = failing();
    for (const i of j.contracts!.interactions) i.status = "failed";
    const md = renderSummary(j, { maxFailures: 5 });
    expect(md.match(/^- ❌ \*\*contracts/gm)).toHaveLength(5);
    expect(md).toMatch(/- … and \d+ more \(see the HTML report\)/);
  });

  it("escapes markup, table pipes and newlines in what services wrote", () => {
    const j = syntheticJournal({
      failing: true,
      scenarios: 2,
      loadSeconds: 5,
      hostile: `${HOSTILE}\nsecond line`,
    });
    const md = renderSummary(j);
    expect(md).not.toContain("<script");
    expect(md).not.toContain("<img");
    expect(md).toContain("&lt;script&gt;");
    expect(md).toContain("\\| pipe \\`tick\\` \\*star\\*");
    expect(md).toContain("&#39;single&#39;");
    expect(md).not.toMatch(/^second line/m);
    // Every row of a table has as many unescaped pipes as its header.
    const pipes = (l: string) => l.replace(/\\\|/g, "").match(/\|/g)!.length;
    for (const t of md.split(/\n(?!\|)/).map((b) => b.split("\n").filter((l) => l.startsWith("|")))) {
      for (const row of t) expect(pipes(row), row).toBe(pipes(t[0]!));
    }
    expect(md.split("\n").filter((l) => l.startsWith("| average")).length).toBe(1);
  });
});
