// Prints the test run's closing line, "vitest: N passed, N failed, N skipped", from Vitest's
// JSON report. Exits non-zero when the report is missing or counts no test.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/ci/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.log(`vitest: 0 passed, 1 failed (no report at ${file}: ${err.message})`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const brokenFiles = (report.testResults ?? []).filter(
  (r) => r.status === "failed" && (r.assertionResults ?? []).length === 0,
).length;
console.log(`vitest: ${passed} passed, ${failed + brokenFiles} failed, ${skipped} skipped`);
process.exit(passed > 0 && failed + brokenFiles === 0 ? 0 : 1);
