import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManifestError, parseManifest, targetImages } from "../../src/env/manifest.ts";
import { projectRoot } from "../../src/paths.ts";

const base = `name: demo
infrastructure:
  db: { kind: postgres, image: postgres }
services:
  api:
    image: faultline/demo-api:dev
    ports: { http: 8080 }
    dependsOn:
      worker: { env: WORKER_ADDR, port: grpc }
  worker:
    image: faultline/demo-worker:dev
    ports: { http: 8080, grpc: 9090 }
    dependsOn:
      db: { env: DATABASE_URL }
`;

function problems(text: string, dir?: string): string[] {
  try {
    parseManifest(text, "demo.yaml", { dir });
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
    const p = problems(base.replace("image: faultline/demo-worker:dev", "image: demo-wrkr"));
    expect(p[0]).toMatch(
      /^demo\.yaml:11: services\.worker\.image: image "demo-wrkr" is neither in the image catalog/,
    );
    expect(p[0]).toMatch(/faultline images build/);
  });

  it("names a malformed field with its line and what it must be", () => {
    const p = problems(base.replace("ports: { http: 8080 }", 'ports: { http: "eighty" }'));
    expect(p[0]).toMatch(/^demo\.yaml:7: services\.api\.ports\.http: .*number/i);
  });

  it("rejects unknown fields, naming them", () => {
    const p = problems(
      base.replace(
        "    image: faultline/demo-api:dev",
        "    image: faultline/demo-api:dev\n    dependOn: {}",
      ),
    );
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
        .replace("image: faultline/demo-api:dev", "image: nope"),
    );
    expect(all).toHaveLength(2);
    expect(all[0]).toMatch(/services\.api\.image: image "nope"/);
    expect(all[1]).toMatch(/services\.worker\.dependsOn\.nothing: unknown dependency "nothing"/);
  });
});

describe("target manifest: build", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "faultline-manifest-"));
    await mkdir(path.join(dir, "src", "cmd", "worker"), { recursive: true });
    await writeFile(path.join(dir, "src", "go.mod"), "module example.test/demo\n\ngo 1.23\n");
    await writeFile(path.join(dir, "src", "cmd", "worker", "main.go"), "package main\n\nfunc main() {}\n");
    await mkdir(path.join(dir, "web"), { recursive: true });
    await writeFile(path.join(dir, "web", "Dockerfile"), "FROM scratch\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const built = (worker: string, api = "    build: ./web\n") =>
    base
      .replace("    image: faultline/demo-worker:dev\n", worker)
      .replace("    image: faultline/demo-api:dev\n", api);

  it("turns a Go main package and a Dockerfile context into image specs, paths relative to the root", () => {
    const m = parseManifest(
      built("    build: { context: src, go: ./cmd/worker, tags: [netgo], inputs: [go.mod, cmd] }\n"),
      "demo.yaml",
      { dir },
    );
    expect(m.services.worker?.image).toBe("faultline/demo-worker:dev");
    expect(targetImages(m, dir)).toEqual([
      {
        kind: "dockerfile",
        name: "demo-api",
        ref: "faultline/demo-api:dev",
        context: "web",
        dockerfile: "Dockerfile",
        args: {},
      },
      {
        kind: "go-source",
        name: "demo-worker",
        ref: "faultline/demo-worker:dev",
        workspace: "src",
        inputs: ["go.mod", "cmd"],
        pkg: "./cmd/worker",
        binary: "worker",
        expose: [8080, 9090],
        tags: ["netgo"],
      },
    ]);
  });

  it("names a Go package folder without Go files, with the field and the fix", () => {
    const p = problems(built("    build: { context: src, go: ./cmd/wrker }\n"), dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(
      /^demo\.yaml:\d+: services\.worker\.build\.go: .*cmd\/wrker holds no \.go file: name the main package's folder/,
    );
  });

  it("names a missing context, a missing Dockerfile, and go with dockerfile together", () => {
    const p = problems(
      built(
        "    build: { context: nowhere, go: ./cmd/worker }\n",
        "    build: { context: web, go: ./x, dockerfile: Dockerfile.prod }\n",
      ),
      dir,
    );
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /services\.worker\.build\.context: folder .*nowhere does not exist: the context is relative to the manifest's folder/,
        ),
        expect.stringMatching(/services\.api\.build: set either "go" .* or "dockerfile", not both/),
      ]),
    );
    const q = problems(
      built(
        "    build: { context: src, go: ./cmd/worker }\n",
        "    build: { context: web, dockerfile: Dockerfile.prod }\n",
      ),
      dir,
    );
    expect(q).toEqual([
      expect.stringMatching(/services\.api\.build\.dockerfile: .*Dockerfile\.prod does not exist/),
    ]);
  });

  it("asks for an image or a build when a service has neither", () => {
    const p = problems(built("", "    image: faultline/demo-api:dev\n"), dir);
    expect(p).toEqual([
      expect.stringMatching(/^demo\.yaml:\d+: services\.worker: needs "image" .* or "build"/),
    ]);
  });

  it("parses the shop's manifest: every service is built from its Go main package", async () => {
    const root = projectRoot();
    const m = parseManifest(
      await readFile(path.join(root, "targets/shop/faultline.yaml"), "utf8"),
      "targets/shop/faultline.yaml",
      { dir: path.join(root, "targets/shop") },
    );
    const specs = targetImages(m, root);
    expect(specs.map((s) => [s.name, s.ref])).toEqual(
      Object.keys(m.services).map((svc) => [`shop-${svc}`, `faultline/shop-${svc}:dev`]),
    );
    expect(specs.find((s) => s.name === "shop-orders")).toMatchObject({
      kind: "go-source",
      workspace: "targets/shop",
      pkg: "./orders/cmd/orders",
      inputs: ["go.work", "go.work.sum", "proto", "platform", "orders"],
      expose: [8080, 9090],
    });
  });
});
