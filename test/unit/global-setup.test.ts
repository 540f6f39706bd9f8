/**
 * The test run's leak check: a Docker error is an error, never "no leaks"; a leak is named; and
 * the unit project has no Docker global set-up at all (so `npm run test:unit` needs no daemon).
 */
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import config from "../../vitest.config.ts";
import { LABEL_RUN_ID } from "../../src/env/run-labels.ts";
import { leakCheck } from "../global-setup.ts";

/** A stand-in Docker client: what the leak check lists, and what it removes. */
function fakeDocker(o: { containers?: string[]; networks?: string[]; run?: string; fail?: Error }) {
  const removed: string[] = [];
  const list = <T>(items: T[]) => (o.fail ? Promise.reject(o.fail) : Promise.resolve(items));
  const client = {
    listContainers: () =>
      list((o.containers ?? []).map((n) => ({ Id: n, Names: [`/${n}`], Labels: { [LABEL_RUN_ID]: o.run } }))),
    listNetworks: () =>
      list((o.networks ?? []).map((n) => ({ Id: n, Name: n, Labels: { [LABEL_RUN_ID]: o.run } }))),
    listVolumes: () => (o.fail ? Promise.reject(o.fail) : Promise.resolve({ Volumes: [] })),
    getContainer: (id: string) => ({ remove: async () => void removed.push(id) }),
    getNetwork: (id: string) => ({ remove: async () => void removed.push(id) }),
    getVolume: (id: string) => ({ remove: async () => void removed.push(id) }),
  };
  return { client: client as unknown as Docker, removed };
}

describe("the leak check at the end of a test run", () => {
  it("fails, saying leaks are unknown, when Docker cannot be asked", async () => {
    const { client } = fakeDocker({ fail: new Error("connect ENOENT /var/run/docker.sock") });
    await expect(leakCheck("run-1", client)).rejects.toThrow(
      /leak check of run run-1 could not list .*leaks are unknown: connect ENOENT/,
    );
  });

  it("fails naming what leaked, after removing it", async () => {
    const { client, removed } = fakeDocker({
      containers: ["shop-orders"],
      networks: ["faultline-shop-x"],
      run: "run-2",
    });
    await expect(leakCheck("run-2", client)).rejects.toThrow(
      /leaked 1 container\(s\) and 1 network\(s\) of run run-2 .*\/shop-orders, faultline-shop-x/,
    );
    expect(removed.sort()).toEqual(["faultline-shop-x", "shop-orders"]);
  });

  it("covers every worker's run under the test run, and no other run", async () => {
    const mine = fakeDocker({ containers: ["shop-gateway"], run: "run-4-w2" });
    await expect(leakCheck("run-4", mine.client)).rejects.toThrow(/leaked 1 container\(s\).*shop-gateway/);
    expect(mine.removed).toEqual(["shop-gateway"]);
    const theirs = fakeDocker({ containers: ["shop-gateway"], run: "run-40-w1" });
    await expect(leakCheck("run-4", theirs.client)).resolves.toBeUndefined();
    expect(theirs.removed).toEqual([]);
  });

  it("passes when nothing of the run is left", async () => {
    const { client } = fakeDocker({});
    await expect(leakCheck("run-3", client)).resolves.toBeUndefined();
  });
});

describe("vitest projects", () => {
  type Project = { test?: { name?: string; globalSetup?: string | string[] } };
  const projects = (config.test?.projects ?? []) as Project[];
  const named = (name: string) => projects.find((p) => p.test?.name === name);

  it("the unit project (and the root it extends) has no Docker global set-up", () => {
    expect(named("unit")).toBeDefined();
    expect(named("unit")!.test!.globalSetup).toBeUndefined();
    expect(config.test?.globalSetup).toBeUndefined();
  });

  it("the integration project keeps the global set-up with the leak check", () => {
    expect(named("integration")!.test!.globalSetup).toEqual(["./test/global-setup.ts"]);
  });
});
