import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../src/env/manifest.ts";
import { applyEnvChange, edgeNamesOf, edgeSpec, serviceEnvironment } from "../../src/env/stack-parts.ts";

const shop = async () =>
  parseManifest(await readFile("targets/shop/faultline.yaml", "utf8"), "targets/shop/faultline.yaml");

describe("what every driver's stack answers from the manifest", () => {
  it("names an edge, the host's edge to Kafka only when the stack has one, and lists the known ones for an unknown name", async () => {
    const m = await shop();
    expect(edgeSpec(m, "orders->payments", false, []).to).toBe("payments");
    expect(edgeNamesOf(m, true)).toContain("host->kafka");
    expect(edgeNamesOf(m, false)).not.toContain("host->kafka");
    expect(edgeSpec(m, "host->kafka", true, []).toKind).toBe("kafka");
    expect(() => edgeSpec(m, "host->kafka", false, edgeNamesOf(m, false))).toThrow(
      /No edge "host->kafka" in target "shop"; edges: .*orders->payments/,
    );
  });

  it("gives a copy of a service's environment and applies a change: set, replaced, removed", async () => {
    const m = await shop();
    const envs = new Map([["orders", { A: "1", B: "2" }]]);
    const env = serviceEnvironment(m, envs, "orders");
    env.A = "changed";
    expect(envs.get("orders")!.A).toBe("1");
    expect(applyEnvChange({ A: "1", B: "2" }, { A: "3", B: undefined, C: "4" })).toEqual({ A: "3", C: "4" });
    expect(() => serviceEnvironment(m, envs, "nope")).toThrow(
      /No service "nope" in target "shop"; services: .*orders/,
    );
  });
});
