import { describe, expect, it } from "vitest";
import { DockerUnavailableError } from "../../src/docker-client.ts";
import { runDoctor, type DoctorProbes } from "../../src/env/doctor.ts";
import type { ImageStatus } from "../../src/images/image-builder.ts";
import { checkToolchain } from "../../src/images/toolchain.ts";

const image = (name: string, state: ImageStatus["state"]): ImageStatus => ({
  name,
  ref: `faultline/${name}:x`,
  state,
  inputHash: "abc",
  sizeBytes: state === "current" ? 1000 : undefined,
});

function probes(over: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    dockerVersion: async () => ({ version: "20.10.24", apiVersion: "1.41" }),
    imageStatuses: async () => [image("postgres", "current"), image("kafka", "current")],
    toolchain: () =>
      checkToolchain(
        async (cmd) =>
          (
            ({
              node: "v24.22.3",
              go: "go version go1.26.8 linux/amd64",
              java: 'openjdk version "17.0.15" 2025-04-15',
              mvn: "Apache Maven 3.8.7",
            }) as Record<string, string>
          )[cmd],
      ),
    freeDiskBytes: async () => 50 * 1024 ** 3,
    ...over,
  };
}

describe("doctor", () => {
  it("passes when everything is in place", async () => {
    const r = await runDoctor(probes(), "/");
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.name === "docker")?.detail).toBe("engine 20.10.24, API 1.41");
  });

  it("reports a missing daemon with the command that starts it, and fails", async () => {
    const r = await runDoctor(
      probes({
        dockerVersion: async () => {
          throw new DockerUnavailableError("connect ENOENT /var/run/docker.sock");
        },
      }),
      "/",
    );
    expect(r.ok).toBe(false);
    const docker = r.checks.find((c) => c.name === "docker");
    expect(docker).toMatchObject({ status: "fail", fix: expect.stringContaining("npm run setup") });
    expect(docker?.detail).toContain("ENOENT /var/run/docker.sock");
    expect(r.checks.find((c) => c.name === "images")).toMatchObject({ status: "fail" });
  });

  it("reports a missing and a stale image, each with its build command", async () => {
    const r = await runDoctor(
      probes({
        imageStatuses: async () => [
          image("postgres", "stale"),
          image("kafka", "missing"),
          image("shop-orders", "unavailable"),
        ],
      }),
      "/",
    );
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === "image postgres")).toMatchObject({
      status: "fail",
      fix: "faultline images build postgres",
    });
    expect(r.checks.find((c) => c.name === "image kafka")).toMatchObject({
      status: "fail",
      fix: "faultline images build kafka",
    });
    expect(r.checks.find((c) => c.name === "image shop-orders")).toMatchObject({ status: "warn" });
  });

  it("reports a missing tool, an old one (the toolchain's checks) and a full disk", async () => {
    const r = await runDoctor(
      probes({
        toolchain: () =>
          checkToolchain(async (cmd) =>
            cmd === "go"
              ? "go version go1.21.0 linux/amd64"
              : cmd === "mvn"
                ? undefined
                : "v20.20.2 17.0 1.0",
          ),
        freeDiskBytes: async () => 1024 ** 3,
      }),
      "/",
    );
    expect(r.checks.find((c) => c.name === "go")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("older than 1.23"),
    });
    // Node 20 is past its end of life: the project's own Node 24 (npm run setup) is the fix.
    expect(r.checks.find((c) => c.name === "node")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("older than 24.0"),
      fix: expect.stringContaining("npm run setup"),
    });
    expect(r.checks.find((c) => c.name === "maven")).toMatchObject({
      status: "fail",
      fix: "apt-get install maven",
    });
    expect(r.checks.find((c) => c.name === "disk")).toMatchObject({ status: "fail" });
    expect(r.ok).toBe(false);
  });
});

describe("doctor: the Pact protobuf plugin", () => {
  it("reports it installed, or missing with the command that builds it", async () => {
    const ok = await runDoctor(probes({ protobufPlugin: async () => "protobuf 0.1.0 in /x" }), "/");
    expect(ok.checks.find((c) => c.name === "pact protobuf plugin")).toMatchObject({ status: "ok" });
    const missing = await runDoctor(
      probes({
        protobufPlugin: async () => {
          throw new Error(
            "The Pact protobuf plugin 0.1.0 is not installed: /x/protobuf-0.1.0/pact-plugin.json is missing. Build it",
          );
        },
      }),
      "/",
    );
    expect(missing.checks.find((c) => c.name === "pact protobuf plugin")).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("pact-plugin.json is missing"),
      fix: expect.stringContaining("tools/pact-protobuf-plugin/scripts/install.sh"),
    });
    expect(missing.ok).toBe(false);
  });
});

describe("doctor: published ports", () => {
  it("warns about a faultline container listening beyond loopback, with the fix", async () => {
    const r = await runDoctor(
      { ...probes(), exposedPorts: async () => ["faultline-shop-x-toxiproxy port 32768 on 0.0.0.0"] },
      "/",
    );
    const c = r.checks.find((x) => x.name === "published ports")!;
    expect(c.status).toBe("warn");
    expect(c.detail).toMatch(/0\.0\.0\.0/);
    expect(c.fix).toMatch(/FAULTLINE_BIND_HOST/);
    const ok = await runDoctor({ ...probes(), exposedPorts: async () => [] }, "/");
    expect(ok.checks.find((x) => x.name === "published ports")!.status).toBe("ok");
  });
});
