import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import { promisify } from "node:util";
import type { ImageStatus } from "../images/image-builder.ts";
import type { DockerVersion } from "./docker-client.ts";

const run = promisify(execFile);

export type CheckStatus = "ok" | "warn" | "fail";

export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** The command that fixes it, when something is wrong. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** What the doctor asks the machine; tests replace it to fake a missing daemon or image. */
export interface DoctorProbes {
  dockerVersion(): Promise<DockerVersion>;
  imageStatuses(): Promise<ImageStatus[]>;
  /** The first line a command prints for its version flag, or undefined when it is not installed. */
  commandVersion(cmd: string, args: string[]): Promise<string | undefined>;
  freeDiskBytes(dir: string): Promise<number>;
  /** The Pact protobuf plugin's install: its folder, or an error saying how to build it. */
  protobufPlugin?(): Promise<string>;
  /** Published ports of faultline's running containers that listen beyond loopback ("name port ip"). */
  exposedPorts?(): Promise<string[]>;
}

/** Every published port of a running faultline container whose host address is not loopback. */
export async function exposedPorts(): Promise<string[]> {
  const { docker } = await import("./docker-client.ts");
  const out: string[] = [];
  const filters = JSON.stringify({ label: ["dev.faultline"] });
  for (const c of await docker().listContainers({ filters })) {
    for (const p of c.Ports ?? [])
      if (p.IP && p.IP !== "127.0.0.1" && p.IP !== "::1" && p.PublicPort)
        out.push(`${c.Names[0]?.replace(/^\//, "")} port ${p.PublicPort} on ${p.IP}`);
  }
  return out;
}

export const MIN_FREE_DISK_BYTES = 5 * 1024 ** 3;

export async function commandVersion(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 15_000 });
    return (stdout || stderr).trim().split("\n")[0];
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === "ENOENT") return undefined;
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim();
    return out ? out.split("\n")[0] : undefined;
  }
}

export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function versionAtLeast(text: string | undefined, re: RegExp, min: number[]): boolean {
  const m = text ? re.exec(text) : null;
  if (!m) return false;
  const parts = m.slice(1).map((x) => Number(x ?? 0));
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    const b = min[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

interface ToolRequirement {
  name: string;
  cmd: string;
  args: string[];
  re: RegExp;
  min: number[];
  fix: string;
}

const TOOLS: ToolRequirement[] = [
  {
    name: "node",
    cmd: "node",
    args: ["--version"],
    re: /v(\d+)\.(\d+)/,
    min: [24, 0],
    fix: "run `npm run setup` (it installs Node 24 into node_modules/.bin, first in PATH for npm scripts and npx), or install Node.js 24",
  },
  {
    name: "go",
    cmd: "go",
    args: ["version"],
    re: /go(\d+)\.(\d+)/,
    min: [1, 23],
    fix: "install Go 1.23 or newer (Debian: apt-get install golang)",
  },
  {
    name: "java",
    cmd: "java",
    args: ["-version"],
    re: /version "(\d+)/,
    min: [17],
    fix: "apt-get install openjdk-17-jdk-headless",
  },
  {
    name: "maven",
    cmd: "mvn",
    args: ["--version"],
    re: /Maven (\d+)\.(\d+)/,
    min: [3, 6],
    fix: "apt-get install maven",
  },
  {
    name: "debootstrap",
    cmd: "debootstrap",
    args: ["--version"],
    re: /(\d+)\.(\d+)/,
    min: [1, 0],
    fix: "apt-get install debootstrap",
  },
  {
    // The Pact protobuf plugin compiles the gRPC contracts' .proto files with it.
    name: "protoc",
    cmd: "protoc",
    args: ["--version"],
    re: /libprotoc (\d+)\.(\d+)/,
    min: [3, 12],
    fix: "apt-get install protobuf-compiler",
  },
];

/** Checks everything faultline needs; each problem carries the command that fixes it. */
export async function runDoctor(probes: DoctorProbes, projectDir: string): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let dockerUp = false;
  try {
    const v = await probes.dockerVersion();
    dockerUp = true;
    checks.push({ name: "docker", status: "ok", detail: `engine ${v.version}, API ${v.apiVersion}` });
  } catch (err) {
    checks.push({
      name: "docker",
      status: "fail",
      detail: (err instanceof Error ? err.message : String(err)).split("\n")[0]!,
      fix: "npm run setup   (as root: installs docker.io if needed and starts dockerd)",
    });
  }

  if (dockerUp) {
    for (const img of await probes.imageStatuses()) {
      const name = `image ${img.name}`;
      switch (img.state) {
        case "current":
          checks.push({ name, status: "ok", detail: `${img.ref} current (${img.sizeBytes ?? 0} bytes)` });
          break;
        case "stale":
          checks.push({
            name,
            status: "fail",
            detail: `${img.ref} is out of date: its inputs changed`,
            fix: `faultline images build ${img.name}`,
          });
          break;
        case "missing":
          checks.push({
            name,
            status: "fail",
            detail: `${img.ref} is not built`,
            fix: `faultline images build ${img.name}`,
          });
          break;
        case "unavailable":
          checks.push({
            name,
            status: "warn",
            detail: `${img.ref} cannot be built yet: ${img.reason ?? "no source"}`,
          });
          break;
      }
    }
  } else {
    checks.push({
      name: "images",
      status: "fail",
      detail: "not checked: Docker does not answer",
      fix: "npm run setup",
    });
  }

  for (const t of TOOLS) {
    const v = await probes.commandVersion(t.cmd, t.args);
    if (v === undefined) {
      checks.push({ name: t.name, status: "fail", detail: `${t.cmd} not found`, fix: t.fix });
    } else if (!versionAtLeast(v, t.re, t.min)) {
      checks.push({
        name: t.name,
        status: "fail",
        detail: `${v} is older than ${t.min.join(".")}`,
        fix: t.fix,
      });
    } else {
      checks.push({ name: t.name, status: "ok", detail: v });
    }
  }

  if (probes.protobufPlugin) {
    try {
      checks.push({ name: "pact protobuf plugin", status: "ok", detail: await probes.protobufPlugin() });
    } catch (err) {
      checks.push({
        name: "pact protobuf plugin",
        status: "fail",
        detail: (err instanceof Error ? err.message : String(err)).split(". ")[0]!,
        fix: "bash tools/pact-protobuf-plugin/scripts/install.sh   (npm run setup does it)",
      });
    }
  }

  if (probes.exposedPorts) {
    const open = await probes.exposedPorts().catch(() => [] as string[]);
    checks.push(
      open.length === 0
        ? {
            name: "published ports",
            status: "ok",
            detail: "every running faultline container listens on loopback only",
          }
        : {
            name: "published ports",
            status: "warn",
            detail: `${open.length} published port(s) listen beyond loopback: ${open.slice(0, 5).join("; ")}${open.length > 5 ? "; …" : ""}`,
            fix: "unset FAULTLINE_BIND_HOST unless you mean it, then: faultline down --all and start the stack again",
          },
    );
  }

  const free = await probes.freeDiskBytes(projectDir);
  const gib = (free / 1024 ** 3).toFixed(1);
  checks.push(
    free >= MIN_FREE_DISK_BYTES
      ? { name: "disk", status: "ok", detail: `${gib} GiB free` }
      : {
          name: "disk",
          status: "fail",
          detail: `${gib} GiB free; images and runs need 5 GiB`,
          fix: "docker system prune, or free space on this disk",
        },
  );

  return { ok: checks.every((c) => c.status !== "fail"), checks };
}
