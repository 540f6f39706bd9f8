import type { CreatedProxy, StartedToxiProxyContainer } from "@testcontainers/toxiproxy";
import type { Latency } from "toxiproxy-node-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "../../src/docker-client.ts";
import { managedToxiproxy } from "../../src/env/managed-container.ts";
import { median } from "../../src/statistics.ts";

/** Sorted wall times of `n` HTTP GETs to url, in ms. */
async function latencies(url: string, n = 7): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { connection: "close" } });
    await res.text();
    expect(res.status).toBe(200);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

describe("faultline/toxiproxy image", () => {
  let toxiproxy: StartedToxiProxyContainer;
  let proxied: CreatedProxy;
  let url: string;

  beforeAll(async () => {
    toxiproxy = await managedToxiproxy().start();
    // Toxiproxy's own HTTP API is the upstream: a real server inside the container.
    proxied = await toxiproxy.createProxy({ name: "self", upstream: "localhost:8474" });
    url = `http://${proxied.host}:${proxied.port}/version`;
  });
  afterAll(async () => {
    await toxiproxy?.stop();
  });

  it("answers on its API with the stamped version", async () => {
    expect(await toxiproxy.client.getVersion()).toContain("2.12.0");
  });

  it("a 200 ms latency toxic adds at least 200 ms, and removing it restores the latency", async () => {
    const before = await latencies(url);
    await proxied.instance.addToxic<Latency>({
      name: "slow",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 200, jitter: 0 },
    });
    const slowed = await latencies(url);
    // Every response waits the 200 ms. (How far the median moves is printed, not asserted: on
    // two shared cores the unproxied baseline itself varies by tens of ms.)
    expect(slowed[0]).toBeGreaterThanOrEqual(200);
    expect(median(slowed)).toBeGreaterThan(median(before));
    console.log(
      `latency toxic 200 ms: median ${median(before).toFixed(1)} -> ${median(slowed).toFixed(1)} ms (+${(median(slowed) - median(before)).toFixed(1)})`,
    );

    await (await proxied.instance.getToxic("slow")).remove();
    // While the toxic is there no response comes back in under 200 ms: one that does shows it
    // is gone (polled with a deadline, no upper bound on a single measurement).
    await expect
      .poll(async () => (await latencies(url, 1))[0], { timeout: 30_000, interval: 100 })
      .toBeLessThan(200);
  });

  it("a disabled proxy refuses connections until it is enabled again", async () => {
    await proxied.setEnabled(false);
    // Turned away at once (refused, or closed by Docker's port proxy), not left hanging: no
    // timeout here, a hang would fail the test.
    await expect(fetch(url)).rejects.toThrow("fetch failed");
    await proxied.setEnabled(true);
    await expect
      .poll(async () => (await fetch(url).catch(() => undefined))?.status, { timeout: 30_000, interval: 100 })
      .toBe(200);
  });
});

describe("managedToxiproxy(n)", () => {
  it("publishes the API and only the first n proxy ports of the module's pool, and hands them out in order", async () => {
    const tp = await managedToxiproxy(2).start();
    try {
      const info = await docker().getContainer(tp.getId()).inspect();
      expect(Object.keys(info.NetworkSettings.Ports ?? {}).sort()).toEqual([
        "8474/tcp",
        "8666/tcp",
        "8667/tcp",
      ]);
      const a = await tp.createProxy({ name: "a", upstream: "localhost:8474" });
      const b = await tp.createProxy({ name: "b", upstream: "localhost:8474" });
      // Toxiproxy reports the address it listens on, e.g. "[::]:8666".
      expect([a.instance.listen, b.instance.listen].map((l) => l.slice(l.lastIndexOf(":") + 1))).toEqual([
        "8666",
        "8667",
      ]);
      expect((await fetch(`http://${b.host}:${b.port}/version`)).status).toBe(200);
      // A third proxy has no published port: refused, not silently unreachable.
      await expect(tp.createProxy({ name: "c", upstream: "localhost:8474" })).rejects.toThrow(/8668/);
    } finally {
      await tp.stop({ remove: true });
    }
  });
});
