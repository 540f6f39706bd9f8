import { describe, expect, it } from "vitest";
import { unsupportedScenarios } from "../../src/chaos/driver-skips.ts";
import type { Scenario } from "../../src/chaos/model.ts";
import { labelValue, namespaceName, workloadObjects } from "../../src/env/kubernetes/objects.ts";
import { driverChoice } from "../../src/cli/driver-options.ts";

const scenario = (name: string, action?: string) =>
  ({
    name,
    method: action ? [{ kind: "fault", fault: { type: "container", target: "kafka", action } }] : [],
  }) as unknown as Scenario;

describe("kubernetes driver pieces", () => {
  it("skips the scenarios needing a fault the driver cannot make, saying why", () => {
    const r = unsupportedScenarios(
      [scenario("kafka-paused", "pause"), scenario("killed", "kill"), scenario("none")],
      {
        pause: "no pause verb",
      },
    );
    expect(r.run.map((s) => s.name)).toEqual(["killed", "none"]);
    expect(r.skipped).toEqual([{ name: "kafka-paused", why: "needs pause: no pause verb" }]);
  });

  it("skips the scenarios whose workload is a load run on a driver that cannot start one, saying why", () => {
    const withLoad = {
      ...scenario("under-load"),
      load: { scenario: "k6/smoke.js", durationS: 20 },
    } as Scenario;
    const r = unsupportedScenarios([withLoad, scenario("none")], {}, "no runner pod");
    expect(r.run.map((s) => s.name)).toEqual(["none"]);
    expect(r.skipped).toEqual([
      { name: "under-load", why: "its workload is a load run (k6/smoke.js): no runner pod" },
    ]);
    expect(unsupportedScenarios([withLoad], {}).run.map((s) => s.name)).toEqual(["under-load"]);
  });

  it("names namespaces and label values as Kubernetes accepts them", () => {
    const ns = namespaceName("Shop_X", "kube-chaos-24241/ü", "ab12c");
    expect(ns).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(namespaceName("t".repeat(80), "x".repeat(80), "ab12c").length).toBeLessThanOrEqual(63);
    expect(labelValue("")).toBe("none");
    expect(labelValue("-a b-")).toBe("a_b");
  });

  it("never pulls an image and probes readiness as the manifest says", () => {
    const [d, svc] = workloadObjects({
      name: "orders",
      kind: "Deployment",
      image: "faultline/shop-orders:dev",
      env: { A: "1" },
      ports: { http: 8080, grpc: 9090 },
      readiness: { httpGet: { path: "/readyz", port: 8080 } },
      labels: { "dev.faultline": "true" },
    });
    const c = d.spec!.template.spec!.containers[0]!;
    expect(c.imagePullPolicy).toBe("Never");
    expect(c.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(svc.spec!.ports!.map((p) => p.port)).toEqual([8080, 9090]);
  });

  it("keeps a database's data on the node (hostPath), handed to the image's user by an init container; emptyDir without a node path", () => {
    const pg = (hostPath?: string) =>
      workloadObjects({
        name: "postgres",
        kind: "StatefulSet",
        image: "faultline/postgres:15",
        env: {},
        ports: { postgres: 5432 },
        readiness: { tcpSocket: { port: 5432 } },
        labels: {},
        data: { mountPath: "/var/lib/postgresql/data", owner: "postgres:postgres", hostPath },
      })[0].spec!.template.spec!;
    const on = pg("/var/lib/faultline-cluster/volumes/ns/postgres");
    expect(on.volumes).toEqual([
      {
        name: "data",
        hostPath: { path: "/var/lib/faultline-cluster/volumes/ns/postgres", type: "DirectoryOrCreate" },
      },
    ]);
    expect(on.containers[0]!.volumeMounts).toEqual([{ name: "data", mountPath: "/var/lib/postgresql/data" }]);
    const init = on.initContainers![0]!;
    expect(init.securityContext?.runAsUser).toBe(0);
    expect(init.command!.join(" ")).toContain("chown postgres:postgres '/var/lib/postgresql/data'");
    expect(pg().volumes).toEqual([{ name: "data", emptyDir: {} }]);
  });

  it("refuses an unknown driver, naming the known ones", () => {
    expect(() => driverChoice({ driver: "nomad" })).toThrow(
      '--driver: no driver "nomad"; drivers: docker, kubernetes',
    );
  });
});
