/**
 * Which mutants a run takes, in which order: the ones asked for (--operator, --mutant), the
 * equivalent ones set apart, then a shuffle with the run's seed dealt round-robin across
 * services and operators, so that `--max-mutants 20` samples every operator rather than the
 * first file's error branches.
 */
import { seededRandom } from "../chaos/probe-context.ts";
import type { Mutant } from "./generator.ts";
import { equivalentReason, type MutateConfig } from "./mutate-config.ts";

export interface Selected {
  /** To run, in order. */
  run: Mutant[];
  /** Judged equivalent in mutate.yaml, with the reason. */
  equivalent: { mutant: Mutant; reason: string }[];
}

export interface SelectionOptions {
  seed: number;
  maxMutants?: number;
  operators?: string[];
  ids?: string[];
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function selectMutants(all: Mutant[], config: MutateConfig, o: SelectionOptions): Selected {
  const wanted = all.filter(
    (m) =>
      (!o.operators?.length || o.operators.includes(m.operator)) && (!o.ids?.length || o.ids.includes(m.id)),
  );
  const equivalent: Selected["equivalent"] = [];
  const rest: Mutant[] = [];
  for (const m of wanted) {
    const reason = equivalentReason(config, m.service, m.id);
    if (reason) equivalent.push({ mutant: m, reason });
    else rest.push(m);
  }
  const buckets = new Map<string, Mutant[]>();
  for (const m of shuffle(rest, seededRandom(o.seed))) {
    const k = `${m.service}/${m.operator}`;
    buckets.set(k, [...(buckets.get(k) ?? []), m]);
  }
  const keys = shuffle([...buckets.keys()].sort(), seededRandom(o.seed + 1));
  const run: Mutant[] = [];
  for (let round = 0; run.length < rest.length; round++)
    for (const k of keys) {
      const m = buckets.get(k)![round];
      if (m) run.push(m);
    }
  return { run: o.maxMutants !== undefined ? run.slice(0, o.maxMutants) : run, equivalent };
}
