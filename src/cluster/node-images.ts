/**
 * Images in the cluster's containerd come from this machine's Docker, never from a registry:
 * `docker save` piped into `ctr -n k8s.io images import`, skipped when containerd already holds
 * the same image (labelled with its Docker image id). The cluster's own images (the pod sandbox's
 * pause, CoreDNS) are built here as FROM scratch images around the binaries built from the proxy.
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, copyFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { inspectImage } from "../docker-client.ts";
import { paths } from "./layout.ts";

const run = promisify(execFile);
const ID_LABEL = "dev.faultline.docker-id";

/** containerd's name for a Docker reference (`faultline/x:dev` is `docker.io/faultline/x:dev`). */
export function containerdRef(ref: string): string {
  const first = ref.split("/")[0]!;
  const hasHost = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const named = hasHost ? ref : `docker.io/${ref.includes("/") ? ref : `library/${ref}`}`;
  return /:[^/]+$/.test(named.split("@")[0]!) || named.includes("@") ? named : `${named}:latest`;
}

function ctr(binDir: string, args: string[]) {
  return run(path.join(binDir, "ctr"), ["--address", paths.containerdSocket, "-n", "k8s.io", ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Docker image ids containerd already holds, by containerd reference. */
async function importedIds(binDir: string): Promise<Map<string, string>> {
  const { stdout } = await ctr(binDir, ["images", "ls"]);
  const out = new Map<string, string>();
  for (const line of stdout.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    const labels = cols.at(-1) ?? "";
    const m = new RegExp(`${ID_LABEL}=(sha256:[0-9a-f]+)`).exec(labels);
    if (cols[0] && m) out.set(cols[0], m[1]!);
  }
  return out;
}

export interface ImportResult {
  ref: string;
  imported: boolean;
  ms: number;
}

/** Imports each Docker image into the cluster's containerd unless the same image id is there. */
export async function importImages(binDir: string, refs: string[]): Promise<ImportResult[]> {
  const have = await importedIds(binDir);
  const results: ImportResult[] = [];
  for (const ref of refs) {
    const t0 = Date.now();
    const local = await inspectImage(ref);
    if (!local)
      throw new Error(
        `cluster: image ${ref} is not in Docker on this machine (build it first: faultline images build)`,
      );
    const cref = containerdRef(ref);
    if (have.get(cref) === local.id) {
      results.push({ ref, imported: false, ms: Date.now() - t0 });
      continue;
    }
    await pipeSaveToImport(binDir, ref);
    await ctr(binDir, ["images", "label", cref, `${ID_LABEL}=${local.id}`]);
    results.push({ ref, imported: true, ms: Date.now() - t0 });
  }
  return results;
}

function pipeSaveToImport(binDir: string, ref: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const save = spawn("docker", ["save", ref], { stdio: ["ignore", "pipe", "pipe"] });
    const imp = spawn(
      path.join(binDir, "ctr"),
      ["--address", paths.containerdSocket, "-n", "k8s.io", "images", "import", "-"],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let err = "";
    save.stderr.on("data", (d: Buffer) => (err += d.toString()));
    imp.stderr.on("data", (d: Buffer) => (err += d.toString()));
    save.stdout.pipe(imp.stdin);
    let pending = 2;
    const done = (who: string) => (code: number | null) => {
      if (code !== 0)
        reject(new Error(`cluster: importing ${ref} failed (${who} exited ${code}): ${err.trim()}`));
      else if (--pending === 0) resolve();
    };
    save.on("close", done("docker save"));
    imp.on("close", done("ctr images import"));
  });
}

/** A FROM scratch Docker image around one binary, tagged by the binary's content; returns its ref. */
export async function scratchImage(name: string, binary: string, args: string[] = []): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(binary)).update(JSON.stringify(args)).digest("hex");
  const ref = `faultline/cluster-${name}:${hash.slice(0, 12)}`;
  if (await inspectImage(ref)) return ref;
  const dir = mkdtempSync(path.join(os.tmpdir(), `faultline-${name}-`));
  try {
    copyFileSync(binary, path.join(dir, name));
    writeFileSync(
      path.join(dir, "Dockerfile"),
      `FROM scratch\nCOPY ${name} /${name}\nENTRYPOINT ${JSON.stringify([`/${name}`, ...args])}\n`,
    );
    await run("docker", ["build", "-q", "-t", ref, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}
