import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { escapeHtml, escapeMarkdown, escapeXml, jsonForScript } from "../../src/report/escape.ts";
import { MAX_IDS_SHOWN, renderRunPage } from "../../src/report/html-report.ts";
import { HOSTILE } from "../support/report-checks.ts";

const scripts = (html: string) =>
  [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }));

describe("escaping", () => {
  it("escapes HTML text and attribute values", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
    expect(escapeHtml(undefined)).toBe("");
    expect(escapeHtml(42)).toBe("42");
  });

  it("keeps JSON inside a script element from closing it, and reads back unchanged", () => {
    const value = { name: "</script><script>alert(1)</script>", note: "<!-- & \u2028 -->" };
    const s = jsonForScript(value);
    expect(s).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(s)).toEqual(value);
  });

  it("escapes XML and replaces characters XML 1.0 forbids", () => {
    expect(escapeXml("a\u0000b\u0007c\td\ne <x> \uD800")).toBe("a\uFFFDb\uFFFDc\td\ne &lt;x&gt; \uFFFD");
    expect(escapeXml("😀")).toBe("😀");
  });

  it("escapes Markdown table cells to one line with no markup", () => {
    expect(escapeMarkdown("a | b\n*c* [d](e) <f>")).toBe("a \\| b \\*c\\* \\[d\\](e) &lt;f&gt;");
  });
});

describe("run page", () => {
  it("is self-contained: uPlot inlined, no external reference, CSP allows exactly its inline scripts", async () => {
    const html = await renderRunPage(syntheticJournal({ failing: true, scenarios: 3, loadSeconds: 20 }), {
      files: ["junit.xml"],
      index: "../index.html",
    });
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link\b/);
    const ss = scripts(html);
    expect(ss.map((s) => s.attrs.trim())).toEqual(['type="application/json" id="faultline-charts"', "", ""]);
    expect(ss[1]!.body).toContain("uPlot");
    const csp = html
      .match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)![1]!
      .replace(/&#39;/g, "'");
    expect(csp).toContain("default-src 'none'");
    for (const s of ss.slice(1)) {
      const hash = createHash("sha256").update(s.body, "utf8").digest("base64");
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    // One chart holder per spec: three per scenario with a series, three for the load run.
    const specs = JSON.parse(ss[0]!.body) as { id: string }[];
    expect(specs).toHaveLength(3 * 3 + 3);
    for (const s of specs) expect(html).toContain(`<div class="chart" id="${s.id}" data-chart role="img"`);
  });

  it("escapes everything that came from a service, a log or a user file", async () => {
    const j = syntheticJournal({ failing: true, scenarios: 4, loadSeconds: 10, hostile: HOSTILE });
    j.chaos!.scenarios[1]!.invariants[0]!.evidence.ids.push(HOSTILE);
    j.chaos!.scenarios[1]!.steadyStateAfter!.probes[0]!.value = { body: HOSTILE };
    j.chaos!.detection!.cells[0]!.reason = HOSTILE;
    const html = await renderRunPage(j, { files: [HOSTILE] });
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html).not.toContain("<img");
    // No tag carries an onerror attribute (the text inside quoted values is escaped).
    expect(html).not.toMatch(/<[a-z]+(?:\s+[\w-]+(?:="[^"]*")?)*\s+onerror=/i);
    expect(html).toContain(
      "&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=2;alert(2)&quot;&gt;",
    );
    // In the JSON block, fault labels carry it as \u003c escapes.
    expect(scripts(html)[0]!.body).toContain("\\u003cscript\\u003e");
  });

  it("shows the evidence: mismatches side by side, order IDs, failed probes, rollbacks", async () => {
    const j = syntheticJournal({
      failing: true,
      scenarios: 3,
      loadSeconds: 10,
      evidenceIds: MAX_IDS_SHOWN + 7,
    });
    const html = await renderRunPage(j);
    expect(html).toMatch(
      /<th>expected<\/th><th>actual<\/th>[\s\S]*?<pre>&quot;42.00&quot;<\/pre><\/td><td><pre>42<\/pre>/,
    );
    const ids = j.chaos!.scenarios[1]!.invariants[0]!.evidence.ids;
    expect(html).toContain(`<code>${ids[0]}</code>`);
    expect(html).toContain(`<code>${ids[MAX_IDS_SHOWN - 1]}</code>`);
    expect(html).not.toContain(`<code>${ids[MAX_IDS_SHOWN]}</code>`);
    expect(html).toContain(`… and 7 more (all ${ids.length} in journal.json)`);
    expect(html).toContain("Steady state after");
    expect(html).toMatch(/not met/);
    expect(html).toContain("toxic removed; proxy enabled");
    expect(html).toContain("did not recover");
    expect(html).toMatch(/id="scenario-1-payments-down"/);
    expect(html).toMatch(/<a href="#scenario-1-payments-down">/);
  });

  it("renders a journal with no sections (an early failure) without charts", async () => {
    const j = syntheticJournal({ scenarios: 0, loadSeconds: 0 });
    const bare = {
      ...j,
      contracts: undefined,
      chaos: undefined,
      load: undefined,
      footprint: undefined,
      stack: undefined,
      status: "aborted" as const,
      reason: "the stack did not start: postgres exited (code 1)",
    };
    const html = await renderRunPage(bare);
    expect(JSON.parse(scripts(html)[0]!.body)).toEqual([]);
    expect(html).toContain("the stack did not start: postgres exited (code 1)");
    expect(html.match(/Not run\./g)).toHaveLength(4);
  });
});

describe("timelines", () => {
  it("leave out the latency chart when the workload recorded no latency", async () => {
    const j = syntheticJournal({ scenarios: 1, loadSeconds: 0 });
    for (const s of j.chaos!.scenarios[0]!.workload!.series) delete s.latencyMs;
    const specs = JSON.parse(scripts(await renderRunPage(j))[0]!.body) as {
      title: string;
      windows: unknown[];
    }[];
    expect(specs.map((s) => s.title)).toEqual([
      "Throughput (requests per second)",
      "Error rate (fail + unknown)",
    ]);
    expect(specs[0]!.windows).toHaveLength(1);
  });
});

describe("the driver a run's stack ran on", () => {
  it("is named in the report's header and in summary.md; absent from an older journal, nothing is claimed", async () => {
    const { renderSummary } = await import("../../src/report/summary-md.ts");
    const j = { ...syntheticJournal({ scenarios: 1, loadSeconds: 5 }), driver: "kubernetes" };
    expect(await renderRunPage(j)).toContain("driver <b>kubernetes</b>");
    expect(renderSummary(j)).toContain("driver kubernetes");
    const old = syntheticJournal({ scenarios: 1, loadSeconds: 5 });
    delete (old as { driver?: string }).driver;
    expect(await renderRunPage(old)).not.toContain("driver <b>");
  });
});
