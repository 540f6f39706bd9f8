/** `faultline bench ceiling`: wrk's output read, the three engines side by side, --json, no wrk. */
import { PassThrough } from "node:stream";
import { encodeIntoCompressedBase64 } from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { printCeiling } from "../../src/cli/bench.ts";
import { createProgram } from "../../src/cli/program.ts";
import {
  ceilingTables,
  ceilingVerdict,
  parseWrk,
  requireWrk,
  runnerSample,
  summarizeCeiling,
  type CeilingResult,
  type CeilingSample,
} from "../../src/load/ceiling-bench.ts";
import { emptyHistogram } from "../../src/load/histogram.ts";

// wrk 4.1.0 (Debian) with --latency, as printed here against a Go server.
const WRK = `Running 2s test @ http://127.0.0.1:18080/healthz
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.06ms    1.43ms  15.98ms   87.72%
    Req/Sec    23.28k     3.05k   28.94k    67.50%
  Latency Distribution
     50%  522.00us
     75%    1.33ms
     90%    2.82ms
     99%    6.62ms
  92945 requests in 2.01s, 10.90MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  46258.78
Transfer/sec:      5.43MB
`;

const sample = (rps: number, load: number, extra: Partial<CeilingSample> = {}): CeilingSample => ({
  rps,
  requests: rps * 10,
  seconds: 10,
  errors: 0,
  loadAverage1m: load,
  ...extra,
});

function result(): CeilingResult {
  const { engines, goal } = summarizeCeiling([
    {
      engine: "wrk",
      command: "wrk",
      samples: [sample(30_000, 3.1), sample(28_000, 3.4), sample(31_000, 3.2)],
    },
    {
      engine: "declarative",
      command: "loadrunner -plan -",
      samples: [
        sample(25_000, 3.3, { p50Ms: 1.2 }),
        sample(27_000, 3.5, { p50Ms: 1.0 }),
        sample(20_000, 3.6),
      ],
    },
    { engine: "scripted", command: "loadrunner k6", samples: [sample(9_000, 3.9, { errors: 2 })] },
  ]);
  return {
    endpoint: "gateway GET /healthz",
    seconds: 10,
    connections: 32,
    repeats: 3,
    engines,
    goal,
    openModel: [
      { requested: 1000, achieved: 999.9, ratio: 1, dropped: 0, p50Ms: 0.8, p99Ms: 3, loadAverage1m: 3.7 },
    ],
    loadAverage: { before: [3, 2, 1], after: [4, 3, 2] },
    method: "m",
  };
}

describe("bench ceiling", () => {
  it("reads wrk's requests/s, count, duration, errors and latency percentiles", () => {
    expect(parseWrk(WRK)).toEqual({
      rps: 46258.78,
      requests: 92945,
      seconds: 2.01,
      errors: 7,
      p50Ms: 0.522,
      p99Ms: 6.62,
    });
    expect(() => parseWrk("unable to connect to 127.0.0.1:8080 Connection refused")).toThrow(
      /cannot read wrk/,
    );
  });

  it("takes the median of each engine and each engine's ratio to wrk's median", () => {
    const r = result();
    expect(r.engines.map((e) => [e.engine, e.rps, e.ratio])).toEqual([
      ["wrk", 30_000, 1],
      ["declarative", 25_000, 0.833],
      ["scripted", 9_000, 0.3],
    ]);
    expect(r.engines[1]!.p50Ms).toBe(1.1); // median of the samples that have one
    expect(r.engines[2]!.errors).toBe(2);
    expect(r.goal).toEqual({ ratio: 0.8, declarativeRatio: 0.833, held: true });
    const below = summarizeCeiling([
      { engine: "wrk", command: "wrk", samples: [sample(30_000, 1)] },
      { engine: "declarative", command: "d", samples: [sample(23_000, 1)] },
    ]);
    expect(below.goal.held).toBe(false);
  });

  it("prints the three engines side by side, each run with its load average, then the open model", () => {
    const t = ceilingTables(result());
    expect(t.engines.header[1]).toBe("req/s (median of 3)");
    expect(t.engines.rows.map((row) => row.slice(0, 3))).toEqual([
      ["wrk", "30,000", "1.00"],
      ["declarative runner", "25,000", "0.83"],
      ["scripted runner (k6 script)", "9,000", "0.30"],
    ]);
    expect(t.engines.rows[0]!.at(-1)).toBe("30,000 @ 3.10, 28,000 @ 3.40, 31,000 @ 3.20");
    expect(t.openModel.rows).toEqual([["1,000", "1,000", "1.000", "0", "0.8 ms", "3 ms", "3.70"]]);
    expect(ceilingVerdict(result())).toBe("declarative runner at 0.83x wrk: goal >= 0.8x held");

    const out = new PassThrough();
    let text = "";
    out.on("data", (c: Buffer) => (text += c.toString()));
    printCeiling(result(), out);
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("engine"));
    expect(lines.slice(header + 1, header + 4).map((l) => l.split(/\s{2,}/)[0])).toEqual([
      "wrk",
      "declarative runner",
      "scripted runner (k6 script)",
    ]);
    expect(text).toContain("load average before 3 2 1, after 4 3 2");
  });

  it("turns a runner's final line into a sample with its latency percentiles", () => {
    const h = emptyHistogram();
    for (let us = 100; us <= 10_000; us += 100) h.recordValue(us);
    const latency = encodeIntoCompressedBase64(h);
    const s = runnerSample(
      { type: "final", requests: 20_000, fail: 3, unknown: 1, durationS: 10, latency },
      10,
      2.5,
    );
    expect(s).toMatchObject({ rps: 2000, requests: 20_000, errors: 4, loadAverage1m: 2.5 });
    expect(s.p50Ms).toBeCloseTo(5, 1);
    expect(s.p99Ms).toBeCloseTo(9.9, 1);
  });

  it("takes --json like every other data command", () => {
    const ceiling = createProgram()
      .commands.find((c) => c.name() === "bench")!
      .commands.find((c) => c.name() === "ceiling")!;
    expect(ceiling.options.map((o) => o.long)).toEqual(
      expect.arrayContaining(["--json", "--repeats", "--connections", "--seconds"]),
    );
  });

  it("says how to install wrk when it is missing", async () => {
    await expect(requireWrk({ ...process.env, PATH: "/nonexistent" })).rejects.toThrow(
      /apt-get install -y wrk, or bash scripts\/setup\.sh/,
    );
  });
});
