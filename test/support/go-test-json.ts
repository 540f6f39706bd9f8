/** Reads `go test -json` events: which tests passed, failed and were skipped, and their output. */

interface GoTestEvent {
  Action?: string;
  Package?: string;
  Test?: string;
  Output?: string;
}

export interface GoTestSummary {
  passed: string[];
  failed: string[];
  /** Tests (not packages without test files) that were skipped, as `package.Test`. */
  skipped: string[];
  /** Packages that failed as a whole (a build error, a panic in TestMain). */
  failedPackages: string[];
  /** The output of the failed and skipped tests, as `go test` would print it. */
  output: string;
}

export function summariseGoTestJson(jsonl: string): GoTestSummary {
  const s: GoTestSummary = { passed: [], failed: [], skipped: [], failedPackages: [], output: "" };
  const outputs = new Map<string, string[]>();
  for (const line of jsonl.split("\n")) {
    if (!line.startsWith("{")) continue;
    let e: GoTestEvent;
    try {
      e = JSON.parse(line) as GoTestEvent;
    } catch {
      continue;
    }
    const key = `${e.Package ?? "?"}${e.Test ? `.${e.Test}` : ""}`;
    if (e.Action === "output" && e.Output) {
      const list = outputs.get(key) ?? [];
      list.push(e.Output);
      outputs.set(key, list);
    } else if (e.Test && e.Action === "pass") s.passed.push(key);
    else if (e.Test && e.Action === "fail") s.failed.push(key);
    else if (e.Test && e.Action === "skip") s.skipped.push(key);
    else if (!e.Test && e.Action === "fail") s.failedPackages.push(key);
  }
  s.output = [...s.failed, ...s.skipped, ...s.failedPackages]
    .map((k) => (outputs.get(k) ?? []).join(""))
    .join("");
  return s;
}
