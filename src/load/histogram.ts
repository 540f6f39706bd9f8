/**
 * Latency histograms from the load runner: HdrHistogram V2, compressed and base64-encoded by
 * hdrhistogram-go, in microseconds. Histograms of separate seconds (or runners) merge exactly.
 */
import * as hdr from "hdr-histogram-js";
import type { Percentiles } from "../report/journal.ts";

export type Histogram = hdr.Histogram;

/** An empty histogram that can take any merged one (1 µs to 5 min, 3 significant digits). */
export function emptyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 300_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    useWebAssembly: false,
  });
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

/** Merges the encoded histograms into one. */
export function mergeEncoded(encoded: Iterable<string | undefined>): Histogram {
  const h = emptyHistogram();
  for (const e of encoded) if (e) h.add(decodeHistogram(e));
  return h;
}

const ms = (us: number) => Math.round(us) / 1000;

/** Latency figures in milliseconds, or undefined for an empty histogram. */
export function percentiles(h: Histogram): Percentiles | undefined {
  if (h.totalCount === 0) return undefined;
  return {
    min: ms(h.minNonZeroValue),
    avg: ms(h.mean),
    med: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

/** The value at percentile p (0-100) in milliseconds. */
export function percentileMs(h: Histogram, p: number): number {
  return ms(h.getValueAtPercentile(p));
}
