import { describe, expect, it } from "vitest";
import type { Scenario } from "../chaos/model.ts";
import { parseDuration } from "../cli/mutate.ts";
import type { MutantResult } from "../report/journal.ts";
import { renderRunPage } from "../report/html-report.ts";
import { mutationJournal } from "../../fixtures/journals/mutation.ts";
import type { Mutant } from "./generator.ts";
import { MutateConfigError, parseMutateConfig } from "./mutate-config.ts";
import { judge, scenariosFor, touchedServices } from "./scenario-choice.ts";
import { score } from "./score.ts";
import { selectMutants } from "./selection.ts";
import { mutantRef } from "./mutant-image.ts";

const m = (id: string, service: string, operator: string): Mutant => ({
  type: "mutant",
  id,
  service,
  operator,
  package: "p",
  file: "f.go",
  line: 1,
  original: "a",
  mutated: "b",
  hint: "no scenario ...",
  diff: "",
  content: "",
});

describe("mutate.yaml", () => {
  it("reads equivalent mutants with their reasons", () => {
    const c = parseMutateConfig(
      "equivalent:\n  - id: 6fbce5f4b9\n    service: payments\n    reason: the manifest sets SHUTDOWN_TIMEOUT\n",
      "targets/shop/mutate.yaml",
    );
    expect(c.equivalent).toEqual([
      { id: "6fbce5f4b9", service: "payments", reason: "the manifest sets SHUTDOWN_TIMEOUT" },
    ]);
  });
  it("names the file, the line, the field and the fix", () => {
    const bad = () =>
      parseMutateConfig(
        "equivalent:\n  - id: xyz\n    reason: short\nequivalents: []\n",
        "targets/shop/mutate.yaml",
      );
    expect(bad).toThrow(MutateConfigError);
    expect(bad).toThrow(/targets\/shop\/mutate\.yaml:2: equivalent\[0\]\.id: must be a mutant id/);
    expect(bad).toThrow(/equivalent\[0\]\.reason: say why/);
    expect(bad).toThrow(/unrecognized key.*known fields: exclude, skipIdents, equivalent/i);
  });
});

describe("selection", () => {
  const all = [
    ...Array.from({ length: 10 }, (_, i) => m(`e${i}`, "payments", "err-continue")),
    m("t1", "payments", "timeout-x30"),
    m("b1", "orders", "breaker-never-trips"),
    m("q1", "payments", "errors-is-false"),
  ];
  const none = { exclude: [], skipIdents: [], equivalent: [] };
  it("deals round-robin across services and operators, the same for the same seed", () => {
    const a = selectMutants(all, none, { seed: 3, maxMutants: 4 });
    expect(new Set(a.run.map((x) => x.operator)).size).toBe(4);
    expect(selectMutants(all, none, { seed: 3, maxMutants: 4 }).run.map((x) => x.id)).toEqual(
      a.run.map((x) => x.id),
    );
    expect(selectMutants(all, none, { seed: 4 }).run).toHaveLength(all.length);
  });
  it("sets equivalent mutants apart and never runs them", () => {
    const s = selectMutants(
      all,
      { ...none, equivalent: [{ id: "t1", reason: "never read in this deployment" }] },
      { seed: 1 },
    );
    expect(s.run.map((x) => x.id)).not.toContain("t1");
    expect(s.equivalent.map((x) => x.mutant.id)).toEqual(["t1"]);
  });
});

describe("score", () => {
  const r = (status: MutantResult["status"]) => ({ status }) as MutantResult;
  it("is killed / (killed + survived); timeouts, equivalents and harness errors are not counted", () => {
    const s = score("all", [
      r("killed"),
      r("killed-unit"),
      r("survived"),
      r("timeout"),
      r("equivalent"),
      r("harness-error"),
    ]);
    expect(s.score).toBeCloseTo(2 / 3);
    expect(s.catalogScore).toBeCloseTo(1 / 2);
    expect([s.timeout, s.equivalent, s.notCounted]).toEqual([1, 1, 1]);
    expect(score("none", [r("equivalent")]).score).toBeNull();
  });
});

describe("scenarios for a mutant", () => {
  const sc = (name: string, tags: string[], method: Scenario["method"]) =>
    ({ name, tags, method }) as Scenario;
  const catalog = [
    sc(
      "kafka-paused",
      ["kafka"],
      [{ kind: "fault", name: "k", fault: { type: "container", target: "kafka", action: "pause" } }],
    ),
    sc(
      "payments-cut",
      ["saga"],
      [{ kind: "fault", name: "c", fault: { type: "cut", edge: "orders->payments" } }],
    ),
    sc("payments-slow", ["deadline", "payments"], []),
  ];
  it("those whose edges, container faults or tags touch the service, the operator's kind first", () => {
    expect([...touchedServices(catalog[1]!)].sort()).toEqual(["orders", "payments", "saga"]);
    expect(scenariosFor("payments", "timeout-x30", catalog).map((s) => s.name)).toEqual([
      "payments-slow",
      "payments-cut",
    ]);
    expect(scenariosFor("payments", "err-continue", catalog).map((s) => s.name)).toEqual([
      "payments-cut",
      "payments-slow",
    ]);
  });
  it("a kill is a deviation on a check; an abort is the harness's, never a kill", () => {
    expect(judge({ status: "failed", deviated: true, failures: [{ check: "money", evidence: "x" }] })).toBe(
      "killed",
    );
    expect(judge({ status: "aborted", deviated: false, failures: [] })).toBe("harness-error");
    expect(judge({ status: "completed", deviated: false, failures: [] })).toBe("held");
  });
});

describe("mutant images and flags", () => {
  it("get a tag of their own beside the service's, never its :dev", () => {
    expect(mutantRef("faultline/shop-payments:dev", "abc")).toBe("faultline/shop-payments:mutant-abc");
    expect(mutantRef("localhost:5000/x", "abc")).toBe("localhost:5000/x:mutant-abc");
  });
  it("--budget reads 30m, 1h30m, 90s and refuses the rest", () => {
    expect(parseDuration("--budget", "30m")).toBe(1_800_000);
    expect(parseDuration("--budget", "1h30m")).toBe(5_400_000);
    expect(parseDuration("--budget", "90s")).toBe(90_000);
    expect(() => parseDuration("--budget", "30 minutes")).toThrow(
      /--budget: "30 minutes" is not a duration; write it as 30m/,
    );
  });
});

describe("the report's mutation section", () => {
  it("shows the score per service and operator, survivors with hint and folded diff, equivalents apart, escaped", async () => {
    const html = await renderRunPage(mutationJournal({ hostile: "<img src=x onerror=alert(1)>" }));
    expect(html).toContain('id="mutation"');
    expect(html).not.toContain("<img src=x");
    expect(html).toMatch(
      /<table class="mutation-scores" data-by="service">[\s\S]*<td>payments<\/td><td class="num score">67%<\/td>/,
    );
    expect(html).toMatch(
      /<li class="survivor"[\s\S]*no scenario makes `h\.repo\.Update` fail[\s\S]*<details><summary>diff<\/summary>/,
    );
    expect(html).toMatch(/<table class="equivalent">[\s\S]*the manifest sets the variable/);
  });
});
