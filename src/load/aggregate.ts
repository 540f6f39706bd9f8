/** Merges the runner's per-second lines into run totals and reads k6-style metrics from them. */
import type { LoadRun, Percentiles } from "../report/journal.ts";

type MetricSummary = LoadRun["metrics"][string];
import { decodeHistogram, emptyHistogram, percentileMs, percentiles, type Histogram } from "./histogram.ts";
import type { MetricInfo, MetricReader } from "./thresholds.ts";

/** Totals of one request name, as the runner writes them. */
export interface RunnerCounts {
  protocol?: string;
  requests: number;
  ok: number;
  fail: number;
  unknown: number;
  codes: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  latency: string;
}

/** One line of the runner's output. */
export interface RunnerLine extends Partial<RunnerCounts> {
  type: "hello" | "start" | "second" | "final" | "error" | "summary" | "threshold" | "metrics";
  metrics?: Record<string, { type: "counter" | "gauge" | "rate" | "trend"; values: Record<string, number> }>;
  t?: string;
  second?: number;
  errors?: Record<string, number>;
  byName?: Record<string, RunnerCounts>;
  dropped?: number;
  vus?: number;
  vusMax?: number;
  iterations?: number;
  reason?: string;
  durationS?: number;
  kinds?: { name: string; protocol: string }[];
  phase?: string;
  message?: string;
}

type NameTotals = Omit<RunnerCounts, "protocol" | "latency"> & { protocol: "http" | "grpc"; hist: Histogram };

/** k6 counts a request as failed when it got no answer or an error status. */
const failedCode = (code: string) => code === "0" || !(/^[23]\d\d$/.test(code) || code === "OK");

export class LoadAggregate {
  readonly byName = new Map<string, NameTotals>();
  readonly errors: Record<string, number> = {};
  dropped = 0;
  vus = 0;
  vusMax = 0;
  seconds = 0;

  constructor(kinds: { name: string; protocol: string }[]) {
    for (const k of kinds) this.entry(k.name, k.protocol);
  }

  private entry(name: string, protocol?: string): NameTotals {
    let e = this.byName.get(name);
    if (!e) {
      e = {
        protocol: protocol === "grpc" ? "grpc" : "http",
        requests: 0,
        ok: 0,
        fail: 0,
        unknown: 0,
        codes: {},
        bytesIn: 0,
        bytesOut: 0,
        hist: emptyHistogram(),
      };
      this.byName.set(name, e);
    }
    return e;
  }

  /** Adds one "second" line. */
  add(line: RunnerLine): void {
    this.seconds++;
    this.dropped += line.dropped ?? 0;
    this.vus = line.vus ?? 0;
    this.vusMax = Math.max(this.vusMax, this.vus);
    for (const [k, v] of Object.entries(line.errors ?? {})) this.errors[k] = (this.errors[k] ?? 0) + v;
    for (const [name, c] of Object.entries(line.byName ?? {})) {
      const e = this.entry(name, c.protocol);
      e.requests += c.requests;
      e.ok += c.ok;
      e.fail += c.fail;
      e.unknown += c.unknown;
      e.bytesIn += c.bytesIn;
      e.bytesOut += c.bytesOut;
      for (const [code, n] of Object.entries(c.codes)) e.codes[code] = (e.codes[code] ?? 0) + n;
      if (c.latency) e.hist.add(decodeHistogram(c.latency));
    }
  }

  private select(protocol: string | undefined, tags: Record<string, string>): NameTotals[] {
    return [...this.byName.entries()]
      .filter(([name, e]) => (!protocol || e.protocol === protocol) && (!tags.name || tags.name === name))
      .map(([, e]) => e);
  }

  histogram(protocol: string | undefined, tags: Record<string, string> = {}): Histogram {
    const h = emptyHistogram();
    for (const e of this.select(protocol, tags)) h.add(e.hist);
    return h;
  }

  /** Reads a metric the way thresholds and the summary need it. */
  reader(rates: Record<string, { codes: string[] }>, durationS: number): MetricReader {
    return (metric, tags, aggregation, percentile) => {
      const sum = (xs: NameTotals[], f: (e: NameTotals) => number) => xs.reduce((a, e) => a + f(e), 0);
      const perSecond = (n: number) => (durationS > 0 ? n / durationS : 0);
      const m = /^(http|grpc)_(reqs|req_failed|req_duration)$/.exec(metric);
      if (m) {
        const xs = this.select(m[1], tags);
        const status = tags.status;
        const count = sum(xs, (e) => (status ? (e.codes[status] ?? 0) : e.requests));
        if (m[2] === "reqs") return aggregation === "rate" ? perSecond(count) : count;
        if (m[2] === "req_failed") {
          if (count === 0) return null;
          if (status) return failedCode(status) ? 1 : 0;
          return sum(xs, (e) => e.fail + e.unknown) / count;
        }
        const h = this.histogram(m[1], tags);
        if (h.totalCount === 0) return null;
        const p = percentiles(h)!;
        if (aggregation.startsWith("p(")) return percentileMs(h, percentile ?? 0);
        return p[aggregation as keyof Percentiles] ?? null;
      }
      const all = this.select(undefined, tags);
      switch (metric) {
        case "iterations": {
          const n = sum(all, (e) => e.requests);
          return aggregation === "rate" ? perSecond(n) : n;
        }
        case "dropped_iterations":
          return aggregation === "rate" ? perSecond(this.dropped) : this.dropped;
        case "data_received":
        case "data_sent": {
          const n = sum(all, (e) => (metric === "data_sent" ? e.bytesOut : e.bytesIn));
          return aggregation === "rate" ? perSecond(n) : n;
        }
        case "vus":
          return this.vus;
        case "vus_max":
          return this.vusMax;
      }
      const rate = rates[metric];
      if (rate) {
        const n = sum(all, (e) => e.requests);
        if (n === 0) return null;
        return sum(all, (e) => rate.codes.reduce((a, c) => a + (e.codes[c] ?? 0), 0)) / n;
      }
      return null;
    };
  }

  /** Every metric with all its aggregations, for the summary and the journal. */
  summary(
    metrics: Record<string, MetricInfo>,
    rates: Record<string, { codes: string[] }>,
    durationS: number,
  ): Record<string, MetricSummary> {
    const read = this.reader(rates, durationS);
    const out: Record<string, MetricSummary> = {};
    for (const [name, info] of Object.entries(metrics)) {
      const values: Record<string, number> = {};
      const put = (k: string, agg: string, p?: number) => {
        const v = read(name, {}, agg, p);
        if (v !== null) values[k] = v;
      };
      switch (info.type) {
        case "counter":
          put("count", "count");
          put("rate", "rate");
          break;
        case "gauge":
          put("value", "value");
          break;
        case "rate": {
          put("rate", "rate");
          break;
        }
        case "trend":
          for (const a of ["avg", "min", "med", "max"]) put(a, a);
          for (const p of [90, 95, 99]) put(`p(${p})`, "p(N)", p);
          break;
      }
      out[name] = { type: info.type, values };
    }
    return out;
  }
}
