import { describe, expect, it } from "vitest";
import { pollUntil, PollTimeoutError, waitUntil } from "../../src/poll.ts";

describe("pollUntil / waitUntil", () => {
  it("returns the first value that is done, after as many attempts as it took", async () => {
    let n = 0;
    const r = await pollUntil(
      () => ++n,
      (v) => v >= 3,
      { timeoutMs: 5000, intervalMs: 1 },
    );
    expect(r).toMatchObject({ value: 3, done: true });
    expect(n).toBe(3);
  });

  it("returns the last value, not done, once the deadline passes", async () => {
    const r = await pollUntil(
      () => "never",
      () => false,
      { timeoutMs: 20, intervalMs: 5 },
    );
    expect(r).toMatchObject({ value: "never", done: false });
  });

  it("with a timeout of 0, makes exactly one attempt", async () => {
    let n = 0;
    const r = await pollUntil(
      () => ++n,
      () => false,
      { timeoutMs: 0, intervalMs: 1 },
    );
    expect(r).toMatchObject({ value: 1, done: false });
    expect(n).toBe(1);
  });

  it("waitUntil names the condition and the limit", async () => {
    await expect(waitUntil("breaker open", () => false, { timeoutMs: 10, intervalMs: 2 })).rejects.toThrow(
      new PollTimeoutError("breaker open", 10),
    );
    await expect(waitUntil("breaker open", () => false, { timeoutMs: 10, intervalMs: 2 })).rejects.toThrow(
      "breaker open after 10 ms",
    );
  });

  it("stops at once when its signal aborts, with the signal's reason", async () => {
    const ac = new AbortController();
    const p = pollUntil(
      () => false,
      (v) => v,
      { timeoutMs: 60_000, intervalMs: 10_000, signal: ac.signal },
    );
    ac.abort(new Error("operator stop"));
    await expect(p).rejects.toThrow("operator stop");
  });
});
