import { describe, expect, it } from "vitest";
import { logText } from "../../src/docker-client.ts";
import { median, quantile, summarize } from "../../src/statistics.ts";

describe("statistics", () => {
  it("median of samples in any order; the mean of the middle two for an even count", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("quantiles by nearest rank", () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1
    expect(quantile(xs, 0.9)).toBe(18);
    expect(quantile(xs, 0.5)).toBe(10);
    expect(quantile(xs, 1)).toBe(20);
    expect(quantile(xs, 0)).toBe(1);
  });

  it("summarizes a set of samples", () => {
    expect(summarize([30, 10, 20])).toEqual({ median: 20, p90: 30, min: 10, max: 30, samples: 3 });
  });
});

describe("container log text (Docker's multiplexed log)", () => {
  const frame = (stream: 1 | 2, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };

  it("strips the multiplexing headers, keeping stdout and stderr in order", () => {
    const raw = Buffer.concat([frame(1, "ready\n"), frame(2, "warn: slow\n"), frame(1, "serving\n")]);
    expect(logText(raw)).toBe("ready\nwarn: slow\nserving\n");
  });

  it("passes a log without headers (a TTY container's) through", () => {
    expect(logText(Buffer.from("plain text\n"))).toBe("plain text\n");
  });

  it("reads a long-lived service's log (20,000 frames) without overflowing the stack", () => {
    // dockerode's demuxStream recursed once per frame: this threw "Maximum call stack size exceeded".
    const lines = Array.from({ length: 20_000 }, (_, i) => frame(i % 7 === 0 ? 2 : 1, `line ${i}\n`));
    const text = logText(Buffer.concat(lines));
    expect(text.split("\n")).toHaveLength(20_001);
    expect(text.endsWith("line 19999\n")).toBe(true);
  });

  it("keeps a frame cut short at the end of the buffer", () => {
    const whole = frame(1, "complete\n");
    const cut = frame(1, "cut short\n").subarray(0, 12);
    expect(logText(Buffer.concat([whole, cut]))).toBe("complete\ncut ");
  });
});
