/** Small timing helpers for the contract suites' measurements. */
import fs from "node:fs";
import path from "node:path";
import { reportsDir } from "../paths.ts";
import { median } from "../statistics.ts";

/** Collects named durations and prints/stores their medians (reports/contracts/timings-<name>.json). */
export class Timings {
  private readonly samples = new Map<string, number[]>();

  constructor(readonly name: string) {}

  add(metric: string, ms: number): void {
    const list = this.samples.get(metric) ?? [];
    list.push(ms);
    this.samples.set(metric, list);
  }

  async time<T>(metric: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(metric, performance.now() - t0);
    }
  }

  summary(): Record<string, { n: number; medianMs: number; samplesMs: number[] }> {
    return Object.fromEntries(
      [...this.samples].map(([k, v]) => [
        k,
        { n: v.length, medianMs: Math.round(median(v) * 10) / 10, samplesMs: v.map((x) => Math.round(x)) },
      ]),
    );
  }

  /** Prints one line per metric and writes the JSON next to the reports. */
  report(): string {
    const s = this.summary();
    const lines = Object.entries(s).map(
      ([k, v]) =>
        `timing ${this.name}: ${k}: median ${v.medianMs} ms over ${v.n} (${v.samplesMs.join(", ")})`,
    );
    try {
      const dir = path.join(reportsDir(), "contracts");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `timings-${this.name}.json`), `${JSON.stringify(s, null, 2)}\n`);
    } catch {
      // measurements are a by-product: never fail a suite over them
    }
    const text = lines.join("\n");
    console.log(text);
    return text;
  }
}
