/**
 * JUnit XML for CI: one test suite per area, one test case per contract interaction, chaos
 * scenario and load threshold. Failures carry the evidence; aborted scenarios are errors
 * (never a pass), interrupted ones skipped.
 */
import { escapeXml as x } from "./escape.ts";
import type { Journal } from "./journal.ts";
import { CHECK_AREAS, checks, type Check } from "./verdict.ts";

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(c: Check): string {
  const open = `    <testcase classname="${x(c.suite)}" name="${x(c.name)}" time="${seconds(c.durationMs)}"`;
  const body =
    c.status === "failed"
      ? `<failure message="${x(c.message ?? "failed")}" type="failure">${x(c.detail ?? c.message ?? "")}</failure>`
      : c.status === "error"
        ? `<error message="${x(c.message ?? "error")}" type="aborted">${x(c.detail ?? c.message ?? "")}</error>`
        : c.status === "skipped"
          ? `<skipped message="${x(c.message ?? "skipped")}"/>`
          : "";
  return body ? `${open}>\n      ${body}\n    </testcase>` : `${open}/>`;
}

export function renderJunit(j: Journal): string {
  const all = checks(j);
  const count = (cs: Check[], s: Check["status"]) => cs.filter((c) => c.status === s).length;
  const suites = CHECK_AREAS.map((area) => {
    const cs = all.filter((c) => c.area === area);
    if (cs.length === 0) return "";
    const time = cs.reduce((t, c) => t + c.durationMs, 0);
    return `  <testsuite name="${x(area)}" tests="${cs.length}" failures="${count(cs, "failed")}" errors="${count(cs, "error")}" skipped="${count(cs, "skipped")}" time="${seconds(time)}" timestamp="${x(j.startedAt)}">
${cs.map(testcase).join("\n")}
  </testsuite>`;
  }).filter(Boolean);
  const total = all.reduce((t, c) => t + c.durationMs, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="${x(`faultline ${j.target} ${j.runId}`)}" tests="${all.length}" failures="${count(all, "failed")}" errors="${count(all, "error")}" skipped="${count(all, "skipped")}" time="${seconds(total)}">
${suites.join("\n")}
</testsuites>
`;
}
