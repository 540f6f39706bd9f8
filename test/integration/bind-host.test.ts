/**
 * Published ports listen on loopback only (read from Docker's inspect data, not by trying to
 * connect), FAULTLINE_BIND_HOST widens them and says so, and the generated database passwords
 * appear in no output, log or state file.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { docker } from "../../src/docker-client.ts";
import { managedToxiproxy } from "../../src/env/managed-container.ts";
import { loadManifest } from "../../src/env/manifest.ts";
import { LABEL_RUN_ID, runId } from "../../src/env/run-labels.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { writeStackState, removeStackState, stateFile } from "../../src/env/stack-state.ts";
import { projectRoot } from "../../src/paths.ts";
import { readFile } from "node:fs/promises";

async function bindings(containerId: string): Promise<string[]> {
  const info = await docker().getContainer(containerId).inspect();
  return Object.values(info.NetworkSettings.Ports ?? {}).flatMap((b) => (b ?? []).map((x) => x.HostIp));
}

describe("published ports", () => {
  let stack: StartedStack;
  beforeAll(async () => {
    stack = await new Environment(await loadManifest("shop", projectRoot())).start();
  });
  afterAll(async () => {
    await removeStackState(stack.manifest.name).catch(() => undefined);
    await stack?.stop();
  });

  it("every port of every container of a stack listens on 127.0.0.1 only", async () => {
    const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId()}`, `dev.faultline`] });
    const mine = (await docker().listContainers({ filters })).filter((c) =>
      c.Names.some((n) => n.startsWith(`/${stack.network.name}-`)),
    );
    // Toxiproxy, the infrastructure (PostgreSQL, Kafka, the trace backend) and the services.
    const expected =
      1 + Object.keys(stack.manifest.infrastructure).length + Object.keys(stack.manifest.services).length;
    expect(expected).toBe(9);
    expect(mine.length).toBe(expected);
    let published = 0;
    for (const c of mine) {
      const hostIps = await bindings(c.Id);
      if (hostIps.length) published++;
      expect(
        hostIps.filter((ip) => ip !== "127.0.0.1"),
        c.Names[0],
      ).toEqual([]);
    }
    expect(published).toBe(expected - 1); // Kafka publishes nothing: the host reaches it through Toxiproxy
    // And the URLs users are given still work.
    expect((await fetch(`${stack.entrypointUrl}/readyz`)).status).toBe(200);
  });

  it("the generated database passwords appear in no log, state file or printed state", async () => {
    const passwords = Object.keys(stack.manifest.services)
      .filter((s) => stack.manifest.edges.some((e) => e.from === s && e.toKind === "postgres"))
      .map((s) => new URL(stack.postgresUrl(s)).password);
    expect(passwords.length).toBe(4);
    const state = await writeStackState(stack);
    const texts = [
      JSON.stringify(state),
      await readFile(stateFile(stack.manifest.name), "utf8"),
      JSON.stringify(await stack.states()),
      ...(await Promise.all(stack.containerNames().map((n) => stack.logs(n)))),
    ];
    for (const p of passwords) for (const t of texts) expect(t.includes(p)).toBe(false);
  });
});

describe("FAULTLINE_BIND_HOST", () => {
  it("widens the bindings on purpose, and says so", async () => {
    const before = process.env.FAULTLINE_BIND_HOST;
    process.env.FAULTLINE_BIND_HOST = "0.0.0.0";
    const err = vi.spyOn(process.stderr, "write");
    try {
      const tp = await managedToxiproxy(1).start();
      try {
        expect(new Set(await bindings(tp.getId()))).toEqual(new Set(["0.0.0.0"]));
      } finally {
        await tp.stop({ remove: true });
      }
      const said = err.mock.calls.map((c) => String(c[0])).join("");
      expect(said).toMatch(/FAULTLINE_BIND_HOST=0\.0\.0\.0: published ports listen beyond loopback/);
    } finally {
      err.mockRestore();
      if (before === undefined) delete process.env.FAULTLINE_BIND_HOST;
      else process.env.FAULTLINE_BIND_HOST = before;
    }
  });
});
