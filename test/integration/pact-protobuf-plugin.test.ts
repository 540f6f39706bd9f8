/**
 * The Pact protobuf plugin is never downloaded. With the project's plugin folder present, a
 * gRPC consumer interaction runs in a network namespace that has nothing but loopback (so
 * any download would fail), the plugin driver loads faultline's own plugin from that folder
 * and logs no download. With the folder missing, the error says how to build the plugin.
 * Also measured: the plugin's start time (process start to its {"port", "serverKey"} line).
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { median } from "../../src/statistics.ts";
import { useProtobufPlugin } from "../../src/contracts/protobuf-plugin.ts";
import { projectRoot, reportsDir } from "../../src/paths.ts";

const TSX = path.join(projectRoot(), "node_modules", ".bin", "tsx");
const SCRIPT = path.join(projectRoot(), "test", "integration", "fixtures", "grpc-consumer-offline.ts");
const NO_INCLUDES = path.join(projectRoot(), "test", "integration", "fixtures", "grpc-plugin-no-includes.ts");
const canUnshareMount = spawnSync("unshare", ["-m", "-n", "true"]).status === 0;
const canUnshare = spawnSync("unshare", ["-n", "true"]).status === 0;

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      args[0]!,
      args.slice(1),
      { cwd: projectRoot(), env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out: stdout + stderr }),
    );
  });
}

describe("the protobuf plugin comes from the project's own folder, never from the network", () => {
  let dir: string;
  beforeAll(() => {
    fs.mkdirSync(reportsDir(), { recursive: true });
    dir = fs.mkdtempSync(path.join(reportsDir(), "tmp-plugin-offline-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!canUnshare)(
    "a gRPC consumer interaction passes with no network but loopback, and the driver downloads nothing",
    async () => {
      const plugin = useProtobufPlugin();
      const r = await run(
        ["unshare", "-n", "sh", "-c", `ip link set lo up && exec "${TSX}" "${SCRIPT}" "${dir}"`],
        {
          PACT_PLUGIN_DIR: plugin.dir,
        },
      );
      expect(r.code, r.out.slice(-4000)).toBe(0);
      expect(r.out).toContain("interaction OK");
      // The driver found our manifest in PACT_PLUGIN_DIR and started our executable ...
      expect(r.out).toContain(path.join(plugin.dir, `protobuf-${plugin.version}`));
      // ... and never went looking for a plugin to fetch.
      expect(r.out).not.toMatch(/download|github\.com|Fetching/i);
      const pact = JSON.parse(fs.readFileSync(path.join(dir, "offline-consumer-payments.json"), "utf8")) as {
        metadata: { plugins: { name: string; version: string }[] };
      };
      expect(pact.metadata.plugins).toEqual([
        expect.objectContaining({ name: "protobuf", version: plugin.version }),
      ]);
    },
  );

  // A fresh machine has no libprotobuf-dev (the well-known types' .proto files) and may have no
  // protoc at all: here /usr/include is an empty tmpfs and every protoc on PATH is /dev/null, so
  // the plugin passes only if it compiles the protos itself. Red on a plugin that runs protoc.
  it.skipIf(!canUnshareMount)(
    "a gRPC interaction and its provider verification pass with no /usr/include and no protoc",
    async () => {
      const plugin = useProtobufPlugin();
      const hide = [
        "ip link set lo up",
        "mount -t tmpfs tmpfs /usr/include",
        'for d in $(echo "$PATH" | tr : " "); do if [ -e "$d/protoc" ]; then mount --bind /dev/null "$d/protoc"; fi; done',
        "if protoc --version >/dev/null 2>&1; then echo 'protoc still runs'; exit 97; fi",
        "if [ -n \"$(ls -A /usr/include)\" ]; then echo '/usr/include not empty'; exit 98; fi",
        `exec "${TSX}" "${NO_INCLUDES}" "${dir}"`,
      ].join(" && ");
      const r = await run(["unshare", "-m", "-n", "sh", "-c", hide], { PACT_PLUGIN_DIR: plugin.dir });
      expect(r.code, r.out.slice(-4000)).toBe(0);
      expect(r.out).toContain("interaction OK");
      expect(r.out).toContain("verification OK");
      const pact = JSON.parse(
        fs.readFileSync(path.join(dir, "no-includes-consumer-orders.json"), "utf8"),
      ) as {
        interactions: { description: string }[];
      };
      expect(pact.interactions.map((i) => i.description)).toEqual([
        "a request for an order with its timestamps",
      ]);
    },
  );

  it("with the plugin folder missing, the error names the missing file and how to build the plugin", async () => {
    const empty = fs.mkdtempSync(path.join(dir, "empty-"));
    const r = await run([TSX, SCRIPT, dir], { FAULTLINE_PACT_PLUGIN_DIR: empty });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`${empty}/protobuf-`);
    expect(r.out).toContain("bash tools/pact-protobuf-plugin/scripts/install.sh");
  });

  it("measures the plugin's start time (to its port line)", async () => {
    const { executable } = useProtobufPlugin();
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const child = spawn(executable, [], { stdio: ["ignore", "pipe", "inherit"] });
      const line = await new Promise<string>((resolve, reject) => {
        let buf = "";
        child.stdout.on("data", (d: Buffer) => {
          buf += d.toString();
          if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
        });
        child.on("error", reject);
        child.on("exit", (code) => reject(new Error(`plugin exited ${code} before printing its port`)));
      });
      samples.push(performance.now() - t0);
      child.kill("SIGTERM");
      const hello = JSON.parse(line) as { port: number; serverKey: string };
      expect(hello.port).toBeGreaterThan(0);
      expect(hello.serverKey).toMatch(/^[0-9a-f]{32}$/);
    }
    console.log(
      `protobuf plugin start (to its port line): median ${median(samples).toFixed(1)} ms over ${samples.length} (${samples.map((s) => s.toFixed(1)).join(", ")})`,
    );
  });
});
