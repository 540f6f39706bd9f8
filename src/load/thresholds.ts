/**
 * Thresholds as k6 users write them: `{ "http_req_duration{name:create_order}": ["p(95)<200"] }`,
 * or the long form `{ threshold, abortOnFail, delayAbortEval }`. A threshold on a metric that
 * does not exist, an aggregation the metric type does not have, or a tag the metric cannot be
 * filtered by is an error naming the file and the field, never a silent pass.
 */

export type MetricType = "counter" | "gauge" | "rate" | "trend";

/** What a metric can be aggregated and filtered by. */
export interface MetricInfo {
  type: MetricType;
  tags: readonly string[];
}

export type ThresholdInput = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

export type Thresholds = Record<string, readonly ThresholdInput[]>;

export type Operator = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=";

export interface ParsedThreshold {
  /** The key as written: `http_req_duration{name:create_order}`. */
  key: string;
  metric: string;
  tags: Record<string, string>;
  expression: string;
  aggregation: string;
  /** For p(N): N. */
  percentile?: number;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
}

export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThresholdError";
  }
}

const AGGREGATIONS: Record<MetricType, readonly string[]> = {
  counter: ["count", "rate"],
  gauge: ["value"],
  rate: ["rate"],
  trend: ["avg", "min", "med", "max", "p(N)"],
};

const KEY = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^}]*)\})?$/;
const EXPR =
  /^\s*(count|rate|value|avg|min|med|max|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

export function parseDurationMs(s: string): number | undefined {
  const m = DURATION.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
}

/**
 * Parses and checks every threshold against the metrics the scenario has. `where` names the
 * scenario file in every error.
 */
export function parseThresholds(
  thresholds: Thresholds,
  metrics: Record<string, MetricInfo>,
  where: string,
): ParsedThreshold[] {
  const out: ParsedThreshold[] = [];
  const problems: string[] = [];
  const known = Object.keys(metrics).sort().join(", ");
  for (const [key, list] of Object.entries(thresholds)) {
    const field = `thresholds[${JSON.stringify(key)}]`;
    const km = KEY.exec(key.trim());
    if (!km) {
      problems.push(
        `${where}: ${field}: "${key}" is not a metric name; write "metric" or "metric{tag:value}", e.g. "http_req_duration{name:create_order}"`,
      );
      continue;
    }
    const metric = km[1]!;
    const info = metrics[metric];
    if (!info) {
      problems.push(
        `${where}: ${field}: no metric "${metric}" in this scenario (a threshold on a metric that does not exist would never fail); metrics here: ${known}`,
      );
      continue;
    }
    const tags: Record<string, string> = {};
    let tagsOk = true;
    for (const part of (km[2] ?? "").split(",").filter((p) => p.trim() !== "")) {
      const i = part.indexOf(":");
      const tag = part.slice(0, i).trim();
      const value = part.slice(i + 1).trim();
      if (i < 0 || !tag || !value) {
        problems.push(`${where}: ${field}: tag filter "${part}" must be "tag:value"`);
        tagsOk = false;
      } else if (!info.tags.includes(tag)) {
        problems.push(
          `${where}: ${field}: ${metric} cannot be filtered by tag "${tag}"; it can by: ${info.tags.join(", ") || "(no tags)"}`,
        );
        tagsOk = false;
      } else tags[tag] = value;
    }
    if (!tagsOk) continue;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push(`${where}: ${field}: must be a non-empty list of expressions such as "p(95)<200"`);
      continue;
    }
    list.forEach((item, i) => {
      const f = `${field}[${i}]`;
      const spec = typeof item === "string" ? { threshold: item } : item;
      if (!spec || typeof spec.threshold !== "string") {
        problems.push(`${where}: ${f}: must be a string or { threshold, abortOnFail?, delayAbortEval? }`);
        return;
      }
      const m = EXPR.exec(spec.threshold);
      if (!m) {
        problems.push(
          `${where}: ${f}: "${spec.threshold}" is not a threshold expression; write "<aggregation> <operator> <number>", e.g. "p(95)<200" or "rate<0.01"`,
        );
        return;
      }
      const aggregation = m[2] !== undefined ? "p(N)" : m[1]!;
      if (!AGGREGATIONS[info.type].includes(aggregation)) {
        problems.push(
          `${where}: ${f}: "${m[1]}" does not apply to ${metric}, a ${info.type}; use ${AGGREGATIONS[info.type].join(", ")}`,
        );
        return;
      }
      const percentile = m[2] !== undefined ? Number(m[2]) : undefined;
      if (percentile !== undefined && (percentile < 0 || percentile > 100)) {
        problems.push(`${where}: ${f}: p(${percentile}) is outside 0-100`);
        return;
      }
      let delay = 0;
      if (spec.delayAbortEval !== undefined) {
        const d = parseDurationMs(spec.delayAbortEval);
        if (d === undefined) {
          problems.push(
            `${where}: ${f}.delayAbortEval: "${spec.delayAbortEval}" is not a duration such as "10s"`,
          );
          return;
        }
        delay = d;
      }
      out.push({
        key: key.trim(),
        metric,
        tags,
        expression: spec.threshold.replace(/\s+/g, ""),
        aggregation: m[1]!.replace(/\s+/g, ""),
        percentile,
        operator: m[3] as Operator,
        value: Number(m[4]),
        abortOnFail: spec.abortOnFail ?? false,
        delayAbortEvalMs: delay,
      });
    });
  }
  if (problems.length > 0) throw new ThresholdError(problems.join("\n"));
  return out;
}

function compare(observed: number, op: Operator, value: number): boolean {
  switch (op) {
    case "<":
      return observed < value;
    case "<=":
      return observed <= value;
    case ">":
      return observed > value;
    case ">=":
      return observed >= value;
    case "==":
    case "===":
      return observed === value;
    case "!=":
      return observed !== value;
  }
}

/** Reads one aggregation ("p(95)", "rate", "count") of a metric filtered by tags; null when no sample. */
export type MetricReader = (
  metric: string,
  tags: Record<string, string>,
  aggregation: string,
  percentile?: number,
) => number | null;

export interface ThresholdResult {
  metric: string;
  expression: string;
  observed: number | null;
  ok: boolean;
  abortOnFail: boolean;
}

/**
 * Evaluates each threshold. A metric with no sample (e.g. a trend with no request) fails: k6
 * would pass it, and a threshold that cannot fail proves nothing.
 */
export function evaluateThresholds(
  parsed: readonly ParsedThreshold[],
  read: MetricReader,
): ThresholdResult[] {
  return parsed.map((t) => {
    const observed = read(t.metric, t.tags, t.aggregation, t.percentile);
    return {
      metric: t.key,
      expression: t.expression,
      observed,
      ok: observed !== null && Number.isFinite(observed) && compare(observed, t.operator, t.value),
      abortOnFail: t.abortOnFail,
    };
  });
}
