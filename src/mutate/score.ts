/** The mutation score: killed / (killed + survived), per service, per operator and in all. */
import type { MutantResult, MutationScore } from "../report/journal.ts";

const KILLED = new Set(["killed", "killed-unit", "killed-startup"]);

export function score(name: string, rs: MutantResult[]): MutationScore {
  const n = (f: (r: MutantResult) => boolean) => rs.filter(f).length;
  const killed = n((r) => KILLED.has(r.status));
  const killedByUnitTests = n((r) => r.status === "killed-unit");
  const survived = n((r) => r.status === "survived");
  const timeout = n((r) => r.status === "timeout");
  const equivalent = n((r) => r.status === "equivalent");
  const notCounted = n((r) => ["not-built", "harness-error", "not-run"].includes(r.status));
  const catalogKills = killed - killedByUnitTests;
  return {
    name,
    killed,
    killedByUnitTests,
    survived,
    timeout,
    equivalent,
    notCounted,
    score: killed + survived > 0 ? killed / (killed + survived) : null,
    catalogScore: catalogKills + survived > 0 ? catalogKills / (catalogKills + survived) : null,
  };
}

export function scores(rs: MutantResult[], key: (r: MutantResult) => string): MutationScore[] {
  const names = [...new Set(rs.map(key))].sort();
  return names.map((n) =>
    score(
      n,
      rs.filter((r) => key(r) === n),
    ),
  );
}

export const pct = (v: number | null): string => (v === null ? "-" : `${Math.round(v * 100)}%`);
