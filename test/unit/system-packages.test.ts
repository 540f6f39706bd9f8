import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDoctor, type DoctorProbes } from "../../src/env/doctor.ts";
import { findCheck, parseSystemPackages, readSystemPackages } from "../../src/env/system-packages.ts";
import { projectRoot } from "../../src/paths.ts";

const base: DoctorProbes = {
  dockerVersion: async () => ({ version: "20.10.24", apiVersion: "1.41" }),
  imageStatuses: async () => [],
  toolchain: async () => [],
  freeDiskBytes: async () => 50 * 1024 ** 3,
};

describe("scripts/system-packages.tsv", () => {
  it("lists every Debian package the project needs, each with a check, and no protoc", () => {
    const rows = readSystemPackages(projectRoot());
    const pkgs = rows.map((r) => r.pkg);
    for (const p of ["docker.io", "debootstrap", "chromium", "wrk", "maven", "openjdk-17-jdk-headless"])
      expect(pkgs).toContain(p);
    expect(pkgs).not.toContain("protobuf-compiler");
    expect(pkgs).not.toContain("libprotobuf-dev");
    expect(new Set(pkgs).size).toBe(pkgs.length);
  });

  it("refuses a malformed row, naming the file, the line and the fix", () => {
    expect(() => parseSystemPackages("# header\nwrk wrk bench\n", "x.tsv")).toThrow(
      /x\.tsv:2: expected 3 tab-separated fields .*Fix: separate the fields with one tab each/,
    );
    expect(() => parseSystemPackages("Wrk!\twrk\tbench\n", "x.tsv")).toThrow(
      /x\.tsv:1: "Wrk!" is not a Debian package name/,
    );
  });

  it("finds a check by absolute path or on PATH", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "syspkg-"));
    const bin = path.join(dir, "fake-tool");
    fs.writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
    expect(findCheck("fake-tool", dir)).toBe(bin);
    expect(findCheck(bin, "")).toBe(bin);
    expect(findCheck("no-such-tool-xyz", dir)).toBeUndefined();
    expect(findCheck(path.join(dir, "absent"), "")).toBeUndefined();
  });
});

describe("doctor: system packages", () => {
  it("fails on a missing package, naming it and the apt-get command that fixes it", async () => {
    const [wrk, chromium] = parseSystemPackages(
      "wrk\twrk\tbench ceiling\nchromium\t/usr/bin/chromium\tbrowser tests\n",
    );
    const r = await runDoctor(
      {
        ...base,
        systemPackages: async () => [
          { pkg: wrk!, found: undefined },
          { pkg: chromium!, found: "/usr/bin/chromium" },
        ],
      },
      "/",
    );
    expect(r.ok).toBe(false);
    expect(r.checks.find((c) => c.name === "package wrk")).toMatchObject({
      status: "fail",
      detail: "wrk not found; needed for bench ceiling",
      fix: expect.stringContaining("apt-get install -y wrk"),
    });
    expect(r.checks.find((c) => c.name === "package chromium")).toMatchObject({ status: "ok" });
  });

  it("passes when every package is there", async () => {
    const [wrk] = parseSystemPackages("wrk\twrk\tbench ceiling\n");
    const r = await runDoctor(
      { ...base, systemPackages: async () => [{ pkg: wrk!, found: "/usr/bin/wrk" }] },
      "/",
    );
    expect(r.ok).toBe(true);
  });
});
