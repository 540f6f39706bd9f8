import { describe, expect, it } from "vitest";
import type { ProbeContext } from "../../src/chaos/probe-context.ts";
import { WorkloadDriver } from "../../src/chaos/workload.ts";

const ctx = {} as ProbeContext;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("workload driver", () => {
  it("records every operation with its outcome, and each run has its own id", async () => {
    const runs = new Set<string>();
    const make = () =>
      new WorkloadDriver(
        {
          description: "t",
          rate: 50,
          op: async (_c, { i, run }) => {
            runs.add(run);
            return i % 3 === 0 ? { type: "fail", error: "no" } : { type: "ok", value: { i } };
          },
        },
        ctx,
        10,
      );
    const a = make();
    a.start();
    await expect.poll(() => a.ops.length, { timeout: 5000 }).toBe(10);
    await a.stop();
    const b = make();
    b.start();
    await expect.poll(() => b.ops.length, { timeout: 5000 }).toBe(10);
    await b.stop();
    expect(
      a.ops
        .filter((o) => o.type === "fail")
        .map((o) => o.index)
        .sort((x, y) => x - y),
    ).toEqual([0, 3, 6, 9]);
    expect(runs.size).toBe(2);
    expect(a.run).not.toBe(b.run);
  });

  it("an operation that does not answer in time is unknown, and arrivals beyond the in-flight cap are dropped", async () => {
    const d = new WorkloadDriver(
      {
        description: "t",
        rate: 100,
        maxInFlight: 2,
        timeoutMs: 150,
        op: (_c, { signal }) =>
          new Promise((resolve) => signal.addEventListener("abort", () => resolve({ type: "ok" }))),
      },
      ctx,
      20,
    );
    d.start();
    await wait(120);
    await d.stop();
    expect(d.dropped.length).toBeGreaterThan(0);
    expect(d.ops.length).toBeGreaterThan(0);
    expect(d.ops.every((o) => o.type === "unknown" && /abandoned/.test(o.error ?? ""))).toBe(true);
  });

  it("an operation that throws is recorded unknown with its error", async () => {
    const d = new WorkloadDriver(
      {
        description: "t",
        rate: 20,
        op: async () => {
          throw new Error("socket hang up");
        },
      },
      ctx,
      1,
    );
    d.start();
    await expect.poll(() => d.ops.length, { timeout: 2000 }).toBe(1);
    await d.stop();
    expect(d.ops[0]).toMatchObject({ type: "unknown", error: "socket hang up" });
  });
});
