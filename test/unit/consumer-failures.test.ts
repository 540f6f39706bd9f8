import { describe, expect, it } from "vitest";
import { failuresFromVitestJson } from "../../src/contracts/consumer-tests.ts";
import { parseJournal } from "../../src/report/journal.ts";
import { renderSummary } from "../../src/report/summary-md.ts";
import { checks, passRate } from "../../src/report/verdict.ts";

const report = {
  testResults: [
    {
      name: "/repo/suites/contracts/gateway-orders.consumer.test.ts",
      status: "failed",
      assertionResults: [
        { fullName: "gateway → orders GetOrder", status: "passed", failureMessages: [] },
        {
          fullName: "gateway → orders CreateOrder",
          status: "failed",
          failureMessages: [
            "Error: protoc failed on orders.proto: exit status 1:\n\ngoogle/protobuf/timestamp.proto: File not found.\n    at a (x.ts:1)\n    at b\n    at c\n    at d\n    at e",
          ],
        },
      ],
    },
    {
      name: "/repo/suites/contracts/broken.consumer.test.ts",
      status: "failed",
      message: "SyntaxError: x",
      assertionResults: [],
    },
  ],
};

describe("consumer tests: why a run failed", () => {
  it("names each failed test with the first lines of its error, and a file that did not load", () => {
    const f = failuresFromVitestJson(report, "/repo");
    expect(f).toEqual([
      {
        file: "suites/contracts/gateway-orders.consumer.test.ts",
        test: "gateway → orders CreateOrder",
        message:
          "Error: protoc failed on orders.proto: exit status 1:\ngoogle/protobuf/timestamp.proto: File not found.\n    at a (x.ts:1)\n    at b\n    at c\n    at d",
      },
      { file: "suites/contracts/broken.consumer.test.ts", test: "(the file)", message: "SyntaxError: x" },
    ]);
  });

  it("a failed phase with no check of its own counts in the pass rate and is listed in summary.md", () => {
    const j = parseJournal({
      version: 2,
      runId: "r1",
      target: "shop",
      command: "faultline run",
      startedAt: "2026-12-07T10:00:00.000Z",
      endedAt: "2026-12-07T10:01:00.000Z",
      status: "failed",
      stack: {
        startedAt: "2026-12-07T10:00:00.000Z",
        readyAt: "2026-12-07T10:00:01.000Z",
        totalMs: 1000,
        containers: [],
      },
      phases: [
        {
          name: "stack up",
          status: "failed",
          startedAt: "2026-12-07T10:00:00.000Z",
          durationMs: 1000,
          detail: "postgres did not become ready in 60 s",
        },
      ],
    });
    expect(checks(j).map((c) => [c.area, c.name, c.status])).toEqual([["run", "phase stack up", "failed"]]);
    expect(passRate(j)).toBe(0);
    expect(renderSummary(j)).toContain("postgres did not become ready in 60 s");
  });
});
