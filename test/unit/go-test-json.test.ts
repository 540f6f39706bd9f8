import { describe, expect, it } from "vitest";
import { summariseGoTestJson } from "../support/go-test-json.ts";

const ev = (o: Record<string, string>) => JSON.stringify(o);
const jsonl = [
  ev({ Action: "run", Package: "p", Test: "TestA" }),
  ev({ Action: "pass", Package: "p", Test: "TestA" }),
  ev({ Action: "output", Package: "p", Test: "TestDB", Output: "    SKIPPED: needs Docker\n" }),
  ev({ Action: "skip", Package: "p", Test: "TestDB" }),
  ev({ Action: "output", Package: "p", Test: "TestB/sub", Output: "    boom\n" }),
  ev({ Action: "fail", Package: "p", Test: "TestB/sub" }),
  ev({ Action: "skip", Package: "q" }), // no test files: not a skipped test
  ev({ Action: "fail", Package: "r" }),
  "go: downloading something", // not an event
].join("\n");

describe("go test -json summary", () => {
  it("names skipped and failed tests, not packages without tests", () => {
    const s = summariseGoTestJson(jsonl);
    expect(s.passed).toEqual(["p.TestA"]);
    expect(s.skipped).toEqual(["p.TestDB"]);
    expect(s.failed).toEqual(["p.TestB/sub"]);
    expect(s.failedPackages).toEqual(["r"]);
    expect(s.output).toContain("SKIPPED: needs Docker");
    expect(s.output).toContain("boom");
  });
});
