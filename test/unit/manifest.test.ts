import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ManifestError, parseManifest } from "../../src/env/manifest.ts";
import { projectRoot } from "../../src/paths.ts";

const base = `name: demo
infrastructure:
  db: { kind: postgres, image: postgres }
services:
  api:
    image: shop-gateway
    ports: { http: 8080 }
    dependsOn:
      worker: { env: WORKER_ADDR, port: grpc }
  worker:
    image: shop-orders
    ports: { http: 8080, grpc: 9090 }
    dependsOn:
      db: { env: DATABASE_URL }
`;

function problems(text: string): string[] {
  try {
    parseManifest(text, "demo.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError);
    return (err as ManifestError).problems;
  }
  throw new Error("expected the manifest to be rejected");
}

describe("target manifest", () => {
  it("parses the shop's manifest: every edge, start order by dependency", async () => {
    const file = path.join(projectRoot(), "targets/shop/faultline.yaml");
    const m = parseManifest(await readFile(file, "utf8"), "targets/shop/faultline.yaml");
    expect(m.edges.map((e) => e.name).sort()).toEqual(
      [
        "gateway->inventory",
        "gateway->orders",
        "inventory->postgres",
        "notifications->kafka",
        "notifications->postgres",
        "orders->inventory",
        "orders->kafka",
        "orders->payments",
        "orders->postgres",
        "payments->postgres",
        ...["gateway", "orders", "payments", "inventory", "notifications"].map((s) => `${s}->tracing`),
      ].sort(),
    );
    expect(m.levels).toEqual([["payments", "inventory", "notifications"], ["orders"], ["gateway"]]);
    expect(m.services.orders?.readiness).toBe("/readyz");
  });

  it("orders start levels so each service starts after what it depends on", () => {
    const m = parseManifest(base, "demo.yaml");
    expect(m.levels).toEqual([["worker"], ["api"]]);
    expect(m.edges.map((e) => [e.name, e.toKind])).toEqual([
      ["api->worker", "service"],
      ["worker->db", "postgres"],
    ]);
  });

  it("names a dependency cycle with its path, file and line", () => {
    const text = base.replace(
      "      db: { env: DATABASE_URL }",
      "      db: { env: DATABASE_URL }\n      api: { env: API_ADDR, port: http }",
    );
    const p = problems(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      /^demo\.yaml:\d+: services\.\w+\.dependsOn: dependency cycle (api -> worker -> api|worker -> api -> worker)/,
    );
  });

  it("names an unknown dependency and lists the known ones", () => {
    const p = problems(base.replace("db: { env: DATABASE_URL }", "dbb: { env: DATABASE_URL }"));
    expect(p[0]).toBe(
      'demo.yaml:14: services.worker.dependsOn.dbb: unknown dependency "dbb"; known: api, worker, db',
    );
  });

  it("names an image that is neither in the catalog nor given as a reference", () => {
    const p = problems(base.replace("image: shop-orders", "image: shop-ordrs"));
    expect(p[0]).toMatch(
      /^demo\.yaml:11: services\.worker\.image: image "shop-ordrs" is neither in the image catalog/,
    );
    expect(p[0]).toMatch(/faultline images build/);
  });

  it("names a malformed field with its line and what it must be", () => {
    const p = problems(base.replace("ports: { http: 8080 }", 'ports: { http: "eighty" }'));
    expect(p[0]).toMatch(/^demo\.yaml:7: services\.api\.ports\.http: .*number/i);
  });

  it("rejects unknown fields, naming them", () => {
    const p = problems(base.replace("    image: shop-gateway", "    image: shop-gateway\n    dependOn: {}"));
    expect(p[0]).toMatch(/^demo\.yaml:\d+: services\.api: unknown field\(s\) "dependOn"/);
  });

  it("reports YAML syntax errors with the line", () => {
    const p = problems("name: demo\nservices:\n  api: { image: x\n");
    expect(p[0]).toMatch(/^demo\.yaml:\d+: YAML syntax/);
  });

  it("reports every problem at once", () => {
    const all = problems(
      base
        .replace("dependsOn:\n      db:", "dependsOn:\n      nothing:")
        .replace("image: shop-gateway", "image: nope"),
    );
    expect(all).toHaveLength(2);
    expect(all[0]).toMatch(/services\.api\.image: image "nope"/);
    expect(all[1]).toMatch(/services\.worker\.dependsOn\.nothing: unknown dependency "nothing"/);
  });
});
