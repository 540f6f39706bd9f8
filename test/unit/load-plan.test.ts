import { describe, expect, it } from "vitest";
import { loadManifest } from "../../src/env/manifest.ts";
import { PROFILES } from "../../src/load/profiles.ts";
import { executorDurationS } from "../../src/load/plan.ts";
import { loadScenario, toPlan, type LoadScenario } from "../../src/load/scenario.ts";
import { projectRoot } from "../../src/paths.ts";

const manifest = await loadManifest("shop", projectRoot());

describe("a scenario becomes a runner plan", () => {
  it("addresses services by their name on the stack's network and checks each before load", async () => {
    const { plan, profile } = await toPlan(await loadScenario("smoke"), manifest, { durationS: 8 });
    expect(profile).toBe("smoke");
    expect(plan.executor).toMatchObject({ type: "constant-arrival-rate", rate: 10, duration: "8000ms" });
    expect(plan.requests.map((r) => [r.name, r.method, r.url])).toEqual([
      ["create_order", "POST", "http://gateway:8080/v1/orders"],
      ["get_order", "GET", "http://gateway:8080/v1/orders/{{var:orderIds}}"],
      ["list_products", "GET", "http://gateway:8080/v1/products"],
    ]);
    expect(plan.checks).toEqual([{ name: "gateway:http", url: "http://gateway:8080/readyz" }]);
    expect(plan.setup?.[0]).toMatchObject({
      url: "http://gateway:8080/v1/orders",
      capture: { orderIds: "id" },
    });
  });

  it("sends gRPC to each service's gRPC port with the .proto files", async () => {
    const { plan } = await toPlan(await loadScenario("grpc"), manifest, { durationS: 5 });
    expect(plan.requests.map((r) => r.grpc?.target)).toEqual([
      "payments:9090",
      "inventory:9090",
      "orders:9090",
    ]);
    expect(plan.checks?.map((c) => c.grpcHealth)).toEqual(["payments:9090", "inventory:9090", "orders:9090"]);
    expect(plan.protos?.map((p) => p.path)).toEqual([
      "shop/payments/v1/payments.proto",
      "shop/inventory/v1/inventory.proto",
      "shop/orders/v1/orders.proto",
    ]);
    expect(plan.protos?.[2]?.content).toContain("service OrdersService");
  });

  it("scales a profile to the duration asked for, keeping its shape", async () => {
    const spike = await loadScenario("spike");
    const { plan } = await toPlan(spike, manifest, { durationS: 10, rate: 100 });
    expect(executorDurationS(plan.executor)).toBeCloseTo(10, 5);
    expect(plan.executor.stages?.map((s) => s.target)).toEqual([300, 300, 0]);
    for (const [name, p] of Object.entries(PROFILES))
      expect(
        executorDurationS(p.executor({ rate: 10, vus: 2, preAllocatedVUs: 5, maxVUs: 50, durationS: 60 })),
        name,
      ).toBeCloseTo(60, 5);
  });

  it("an unknown service is an error naming the file and the field", async () => {
    const s: LoadScenario = {
      ...(await loadScenario("smoke")),
      requests: [{ name: "x", service: "billing", path: "/" }],
    };
    await expect(toPlan(s, manifest)).rejects.toThrow(
      'suites/load/smoke.ts: requests[0].service: no service "billing" in target "shop"; services: payments, inventory, orders, notifications, gateway',
    );
  });
});
