/**
 * The Kubernetes driver on the project's own single-node cluster (brought up here; warm: seconds):
 * the shop deployed in a namespace of the run's own, one edge cut and one pod kill of the catalog
 * judged by the same invariants as on Docker, no namespace left; a SIGKILLed run's namespace
 * removed by the sweep the next command runs.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runChaosJob } from "../../src/chaos/chaos-run.ts";
import { clusterUp } from "../../src/cluster/cluster.ts";
import { volumesDir } from "../../src/cluster/layout.ts";
import { sweepBeforeStart } from "../../src/env/cleanup.ts";
import { kubeClient } from "../../src/env/kubernetes/namespaces.ts";
import { labelValue } from "../../src/env/kubernetes/objects.ts";
import { LABEL_RUN_ID, runId } from "../../src/env/run-labels.ts";
import { projectRoot } from "../../src/paths.ts";
import { pollUntil } from "../../src/poll.ts";
import { faultlineBin } from "../support/faultline-cli.ts";

const core = () => kubeClient().makeApiClient(CoreV1Api);
const namespacesOf = async (id: string) =>
  (await core().listNamespace({ labelSelector: `${LABEL_RUN_ID}=${labelValue(id)}` })).items.map(
    (n) => n.metadata!.name!,
  );
const podsOf = async (id: string) =>
  (await core().listPodForAllNamespaces({ labelSelector: `${LABEL_RUN_ID}=${labelValue(id)}` })).items.length;

describe("the kubernetes driver", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    const s = await clusterUp();
    expect(s.ready).toBe(true);
  }, 900_000);

  it("runs an edge cut and a pod kill of the catalog on the shop, every invariant held, and leaves no namespace", async () => {
    const r = await runChaosJob({
      root: projectRoot(),
      target: "shop",
      runId: `k8s-${Date.now()}`,
      seed: 1,
      names: ["inventory-cut", "payments-killed"],
      driver: "kubernetes",
    });
    const scenarios = r.journal.chaos!.scenarios;
    expect(scenarios.map((s) => [s.name, s.status])).toEqual([
      ["inventory-cut", "completed"],
      ["payments-killed", "completed"],
    ]);
    expect(r.exitCode).toBe(0);
    expect(await namespacesOf(runId())).toEqual([]);
    expect(await podsOf(runId())).toBe(0);
  });

  it("removes a SIGKILLed run's namespace in the next command's sweep", async () => {
    const id = `k8s-killed-${randomUUID().slice(0, 8)}`;
    const child = spawn(
      process.execPath,
      [faultlineBin, "chaos", "run", "inventory-cut", "--driver", "kubernetes", "--seed", "1"],
      { cwd: projectRoot(), env: { ...process.env, FAULTLINE_RUN_ID: id }, stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.on("exit", resolve));
    // Killed once its services are deploying: the namespace holds running pods by then, and the
    // node holds the database's data folder (the kubelet makes it when it sets the pod up).
    const postgresData = async () => {
      const ns = (await namespacesOf(id))[0];
      return ns !== undefined && existsSync(path.join(volumesDir(), ns, "postgres"));
    };
    const up = await pollUntil(
      async () => (await podsOf(id)) >= 4 && (await postgresData()),
      (ok) => ok,
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    expect(up.done).toBe(true);
    child.kill("SIGKILL");
    await exited;
    expect((await namespacesOf(id)).length).toBe(1);
    // The database's data on the node (hostPath) goes with its namespace.
    const volumes = path.join(volumesDir(), (await namespacesOf(id))[0]!);
    const lines: string[] = [];
    await sweepBeforeStart((l) => lines.push(l));
    expect(lines.join("\n")).toContain("removed the namespace a dead run left");
    expect(await namespacesOf(id)).toEqual([]);
    expect(await podsOf(id)).toBe(0);
    expect(existsSync(volumes)).toBe(false);
  });
});
