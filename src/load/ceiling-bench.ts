/**
 * The load runner's own ceiling against wrk (Debian's package) on the cheapest endpoint, in one
 * run on one machine, and how closely the open model holds a requested rate. Both generators
 * run as host processes inside the gateway container's network namespace (nsenter), so neither
 * crosses Docker's userland port proxy and both reach the service the same way.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { docker } from "../docker-client.ts";
import { loadManifest } from "../env/manifest.ts";
import { Environment } from "../env/stack.ts";
import { cacheDir, projectRoot } from "../paths.ts";
import type { RunnerLine } from "./aggregate.ts";
import type { RunnerPlan } from "./plan.ts";

const exec = promisify(execFile);

export interface CeilingResult {
  endpoint: string;
  seconds: number;
  connections: number;
  wrkRps: number;
  runnerRps: number;
  /** runner / wrk; the goal is at least 0.8. */
  ratio: number;
  openModel: { requested: number; achieved: number; ratio: number; dropped: number }[];
  method: string;
}

async function hostRunner(): Promise<string> {
  const out = path.join(cacheDir(), "go-bin", "loadrunner-host");
  await mkdir(path.dirname(out), { recursive: true });
  await exec("go", ["build", "-trimpath", "-o", out, "./cmd/loadrunner"], {
    cwd: path.join(projectRoot(), "tools", "loadrunner"),
    env: { ...process.env, CGO_ENABLED: "0" },
  });
  return out;
}

/** Runs the runner in the namespace with plan on stdin; returns its final line. */
function runIn(pid: number, bin: string, plan: RunnerPlan): Promise<RunnerLine> {
  return new Promise((resolve, reject) => {
    const p = spawn("nsenter", ["-t", String(pid), "-n", "--", bin, "-plan", "-"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr.on("data", (c: Buffer) => (err += c.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const final = out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as RunnerLine)
        .find((l) => l.type === "final");
      if (code !== 0 || !final) reject(new Error(`loadrunner exited ${code}: ${err.trim()}`));
      else resolve(final);
    });
    p.stdin.end(JSON.stringify(plan));
  });
}

export async function ceilingBench(opts: {
  target: string;
  seconds?: number;
  connections?: number;
  log?: (l: string) => void;
}): Promise<CeilingResult> {
  const log = opts.log ?? (() => {});
  if (process.getuid?.() !== 0)
    throw new Error("bench ceiling enters the gateway's network namespace with nsenter: run it as root");
  await exec("wrk", ["--version"]).catch((e: { code?: string }) => {
    if (e.code === "ENOENT") throw new Error("wrk is not installed (fix: apt-get install wrk)");
  });
  const seconds = opts.seconds ?? 10;
  const connections = opts.connections ?? 32;
  const bin = await hostRunner();
  const manifest = await loadManifest(opts.target, projectRoot());
  await using stack = await new Environment(manifest).start();
  const entry = manifest.entrypoint ?? Object.keys(manifest.services)[0]!;
  const pid = (await docker().getContainer(`${stack.network.name}-${entry}`).inspect()).State.Pid;
  const port = manifest.services[entry]!.ports.http;
  const url = `http://127.0.0.1:${port}/healthz`;

  log(`wrk -t2 -c${connections} -d${seconds}s ${url} (in ${entry}'s network namespace) ...`);
  const wrk = await exec("nsenter", [
    "-t",
    String(pid),
    "-n",
    "--",
    "wrk",
    "-t2",
    `-c${connections}`,
    `-d${seconds}s`,
    url,
  ]);
  const wrkRps = Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk.stdout)?.[1]);
  if (!Number.isFinite(wrkRps)) throw new Error(`cannot read wrk's output:\n${wrk.stdout}`);

  const request = [{ name: "healthz", url }];
  log(`loadrunner constant-vus ${connections} for ${seconds}s ...`);
  const closed = await runIn(pid, bin, {
    executor: { type: "constant-vus", vus: connections, duration: `${seconds}s` },
    requests: request,
  });
  const runnerRps = (closed.requests ?? 0) / (closed.durationS ?? seconds);

  const openModel: CeilingResult["openModel"] = [];
  for (const rate of [100, 1000, Math.floor(runnerRps)]) {
    log(`loadrunner constant-arrival-rate ${rate}/s for ${seconds}s ...`);
    const f = await runIn(pid, bin, {
      executor: {
        type: "constant-arrival-rate",
        rate,
        duration: `${seconds}s`,
        preAllocatedVUs: connections,
        maxVUs: 4 * connections,
      },
      requests: request,
    });
    const achieved = (f.requests ?? 0) / seconds;
    openModel.push({ requested: rate, achieved, ratio: achieved / rate, dropped: f.dropped ?? 0 });
  }
  return {
    endpoint: `${entry} GET /healthz`,
    seconds,
    connections,
    wrkRps,
    runnerRps,
    ratio: runnerRps / wrkRps,
    openModel,
    method:
      `wrk (2 threads, ${connections} connections) then faultline's runner (closed model, ${connections} VUs), ${seconds} s each, ` +
      `both host processes in the ${entry} container's network namespace (nsenter -n), same endpoint, one stack; ` +
      `open model: constant-arrival-rate at 100/s, 1,000/s and the runner's ceiling, achieved = requests sent / duration.`,
  };
}
