import { statfs } from "node:fs/promises";
import type { DockerVersion } from "../docker-client.ts";
import type { ImageStatus } from "../images/image-builder.ts";
import type { ToolCheck } from "../images/toolchain.ts";
import type { SystemPackage } from "./system-packages.ts";

export type CheckStatus = "ok" | "warn" | "fail";

/** One check's outcome; toolchain checks (src/images/toolchain.ts) have the same shape. */
export type DoctorCheck = Omit<ToolCheck, "status"> & { status: CheckStatus };

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** What the doctor asks the machine; tests replace it to fake a missing daemon or image. */
export interface DoctorProbes {
  dockerVersion(): Promise<DockerVersion>;
  imageStatuses(): Promise<ImageStatus[]>;
  /** The tools the image pipeline and the contracts need (src/images/toolchain.ts: checkToolchain). */
  toolchain(): Promise<ToolCheck[]>;
  freeDiskBytes(dir: string): Promise<number>;
  /** The Pact protobuf plugin's install: its folder, or an error saying how to build it. */
  protobufPlugin?(): Promise<string>;
  /** scripts/system-packages.tsv's rows, and where each row's check is found (undefined: missing). */
  systemPackages?(): Promise<{ pkg: SystemPackage; found: string | undefined }[]>;
  /** Published ports of faultline's running containers that listen beyond loopback ("name port ip"). */
  exposedPorts?(): Promise<string[]>;
}

/** Every published port of a running faultline container whose host address is not loopback. */
export async function exposedPorts(): Promise<string[]> {
  const { docker } = await import("../docker-client.ts");
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

export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * The environment check: Docker answers, the images are built and current, the toolchain the
 * image pipeline needs is there, the protobuf plugin is installed, nothing listens beyond
 * loopback, the disk has room. Each problem carries the command that fixes it.
 */
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

  checks.push(...(await probes.toolchain()));

  if (probes.systemPackages) {
    try {
      for (const { pkg, found } of await probes.systemPackages())
        checks.push(
          found
            ? { name: `package ${pkg.pkg}`, status: "ok", detail: found }
            : {
                name: `package ${pkg.pkg}`,
                status: "fail",
                detail: `${pkg.check} not found; needed for ${pkg.neededFor}`,
                fix: `apt-get install -y ${pkg.pkg}   (npm run setup installs every missing package of scripts/system-packages.tsv)`,
              },
        );
    } catch (err) {
      checks.push({
        name: "system packages",
        status: "fail",
        detail: (err instanceof Error ? err.message : String(err)).split("\n")[0]!,
        fix: "correct scripts/system-packages.tsv as the message says",
      });
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
