/** Tolerances of probes (after Chaos Toolkit): exact, range, regex, JSON path, one of, predicate. */
import { JSONPath } from "jsonpath-plus";
import type { Outputs, Tolerance } from "./model.ts";

export const eq = (value: unknown): Tolerance => ({ kind: "exact", value });
export const between = (min: number, max: number): Tolerance => ({ kind: "range", min, max });
export const atMost = (max: number): Tolerance => ({ kind: "range", min: -Infinity, max });
export const atLeast = (min: number): Tolerance => ({ kind: "range", min, max: Infinity });
export const matches = (re: RegExp): Tolerance => ({ kind: "regex", pattern: re.source, flags: re.flags });
export const oneOf = (...values: unknown[]): Tolerance => ({ kind: "oneOf", values });
/** The value at a JSON path (e.g. `$.status`) must be in tolerance. */
export const at = (path: string, tolerance: Tolerance): Tolerance => ({ kind: "jsonpath", path, tolerance });
export const where = (describe: string, test: (value: unknown, outputs: Outputs) => boolean): Tolerance => ({
  kind: "predicate",
  describe,
  test,
});

const fmt = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(JSON.stringify(v) ?? v));
const num = (n: number) => (n === Infinity ? "∞" : n === -Infinity ? "-∞" : String(n));

/** The tolerance in words, for the journal: "= 200", "in [0, 2]", "$.status = \"ready\"". */
export function describeTolerance(t: Tolerance): string {
  switch (t.kind) {
    case "exact":
      return `= ${fmt(t.value)}`;
    case "range":
      if (t.min === -Infinity) return `≤ ${num(t.max)}`;
      if (t.max === Infinity) return `≥ ${num(t.min)}`;
      return `in [${num(t.min)}, ${num(t.max)}]`;
    case "regex":
      return `matches /${t.pattern}/${t.flags ?? ""}`;
    case "oneOf":
      return `one of ${t.values.map(fmt).join(", ")}`;
    case "jsonpath":
      return `${t.path} ${describeTolerance(t.tolerance)}`;
    case "predicate":
      return t.describe;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Reads a JSON path; one match gives the value itself, several give the list, none undefined. */
export function readPath(value: unknown, path: string): unknown {
  if (value === null || typeof value !== "object") return undefined;
  const found = JSONPath({ path, json: value as object, wrap: true }) as unknown[];
  if (found.length === 0) return undefined;
  return found.length === 1 ? found[0] : found;
}

/** True when the value is within the tolerance. A predicate that throws is out of tolerance. */
export function withinTolerance(t: Tolerance, value: unknown, outputs: Outputs = {}): boolean {
  switch (t.kind) {
    case "exact":
      return deepEqual(value, t.value);
    case "range": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && !Number.isNaN(n) && n >= t.min && n <= t.max;
    }
    case "regex":
      return (
        value !== undefined &&
        new RegExp(t.pattern, t.flags).test(typeof value === "string" ? value : JSON.stringify(value))
      );
    case "oneOf":
      return t.values.some((v) => deepEqual(v, value));
    case "jsonpath":
      return withinTolerance(t.tolerance, readPath(value, t.path), outputs);
    case "predicate":
      try {
        return t.test(value, outputs);
      } catch {
        return false;
      }
  }
}
