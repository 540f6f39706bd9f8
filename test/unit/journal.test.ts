import { describe, expect, it } from "vitest";
import { JournalError, parseJournal } from "../../src/report/journal.ts";

const v1 = {
  version: 1,
  runId: "r1",
  target: "shop",
  command: "faultline run",
  startedAt: "2026-11-29T10:00:00.000Z",
  endedAt: "2026-11-29T10:01:00.000Z",
  status: "completed",
  phases: [
    {
      name: "manifest",
      status: "passed",
      startedAt: "2026-11-29T10:00:00.000Z",
      durationMs: 3,
      detail: "ok",
    },
  ],
};

describe("journal versions", () => {
  it("reads a version 1 journal as the current version", () => {
    const j = parseJournal(v1);
    expect(j.version).toBe(2);
    expect(j.phases[0]!.name).toBe("manifest");
  });
  it("refuses an unknown version, naming it", () => {
    expect(() => parseJournal({ ...v1, version: 9 }, "reports/x/journal.json")).toThrow(
      /reports\/x\/journal.json: journal version 9 is not supported/,
    );
  });
  it("refuses a malformed journal, naming the field", () => {
    expect(() => parseJournal({ ...v1, version: 2, status: "great" })).toThrow(JournalError);
    expect(() => parseJournal({ ...v1, version: 2, status: "great" })).toThrow(/status/);
  });
});
