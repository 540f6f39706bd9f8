import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticJournal } from "../../fixtures/journals/synthetic.ts";
import { renderRunPage } from "../../src/report/html-report.ts";
import { JournalError, parseJournal, readJournal } from "../../src/report/journal.ts";
import { passRate } from "../../src/report/verdict.ts";
import { renderJunit } from "../../src/report/junit.ts";

/** What faultline wrote before version 2: phases and stack timings only. */
const v1 = {
  version: 1,
  runId: "2026-10-01T08-00-00-abcdef12",
  target: "shop",
  command: "faultline run",
  startedAt: "2026-10-01T08:00:00.000Z",
  endedAt: "2026-10-01T08:03:10.000Z",
  status: "failed",
  phases: [
    {
      name: "stack",
      status: "passed",
      startedAt: "2026-10-01T08:00:00.000Z",
      durationMs: 5100,
      detail: "9 containers ready",
    },
    {
      name: "suites",
      status: "failed",
      startedAt: "2026-10-01T08:00:06.000Z",
      durationMs: 180000,
      detail: "41 passed, 1 failed",
      items: [
        { name: "orders saga compensates", status: "failed", detail: "expected CANCELLED, got PENDING" },
      ],
    },
  ],
  stack: {
    startedAt: "2026-10-01T08:00:00.000Z",
    readyAt: "2026-10-01T08:00:05.100Z",
    totalMs: 5100,
    containers: [
      {
        name: "kafka",
        createdAt: "2026-10-01T08:00:00.000Z",
        startedAt: "2026-10-01T08:00:00.200Z",
        readyAt: "2026-10-01T08:00:05.100Z",
        createdToStartedMs: 200,
        startedToReadyMs: 4900,
        createdToReadyMs: 5100,
      },
    ],
  },
};

describe("journal versions", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "faultline-journal-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("upgrades a version 1 journal, which still renders", async () => {
    const j = parseJournal(structuredClone(v1), "old/journal.json");
    expect(j.version).toBe(2);
    expect(j.chaos).toBeUndefined();
    const html = await renderRunPage(j);
    expect(html).toContain("orders saga compensates");
    expect(html).toContain("expected CANCELLED, got PENDING");
    expect(html).toMatch(/<td>kafka<\/td><td style="width:45%"><div class="wf"/);
    // Its failed phase is a failing check: the pass rate and JUnit never show a failed run as green.
    const junit = renderJunit(j);
    expect(junit).toMatch(/<testsuites [^>]*tests="1" failures="1"/);
    expect(junit).toContain('<testcase classname="run" name="phase suites"');
    expect(junit).toContain("orders saga compensates: expected CANCELLED, got PENDING");
    expect(passRate(j)).toBe(0);
  });

  it("refuses an unknown version with a message naming it and the file", async () => {
    const file = path.join(dir, "future.json");
    await writeFile(file, JSON.stringify({ ...v1, version: 3 }));
    const err = await readJournal(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalError);
    expect((err as JournalError).file).toBe(file);
    expect((err as Error).message).toBe(
      `${file}: journal version 3 is not supported (this faultline reads versions 1 and 2); re-run to write a current journal`,
    );
    expect(() => parseJournal({ ...v1, version: "2" }, "x.json")).toThrow(
      'x.json: journal version "2" is not supported',
    );
    expect(() => parseJournal({ runId: "r" }, "y.json")).toThrow(
      "y.json: journal version undefined is not supported",
    );
    expect(() => parseJournal(null, "z.json")).toThrow("z.json: journal version undefined is not supported");
  });

  it("names the field of an invalid journal", () => {
    const j = syntheticJournal({ scenarios: 2, loadSeconds: 3 }) as unknown as {
      chaos: { scenarios: { status: string }[] };
    };
    j.chaos.scenarios[1]!.status = "exploded";
    expect(() => parseJournal(j, "bad.json")).toThrow(
      /^bad\.json: not a valid faultline journal: chaos\.scenarios\.1\.status: /,
    );
  });

  it("names the file when it is not JSON or cannot be read", async () => {
    const file = path.join(dir, "broken.json");
    await writeFile(file, "{ not json");
    await expect(readJournal(file)).rejects.toThrow(`${file}: not JSON:`);
    await expect(readJournal(path.join(dir, "missing.json"))).rejects.toThrow(
      `${path.join(dir, "missing.json")}: cannot read the journal:`,
    );
  });
});
