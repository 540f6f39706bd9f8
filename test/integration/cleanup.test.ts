import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sweepLeftovers } from "../../src/env/cleanup.ts";
import { recordedRuns } from "../../src/env/stack-state.ts";
import { docker } from "../../src/docker-client.ts";
import { imageRef } from "../../src/images/catalog.ts";
import { LABEL_RUN_ID, runLabels } from "../../src/env/run-labels.ts";
import { projectRoot } from "../../src/paths.ts";
import { killOnce } from "../../src/run/kill-matrix.ts";
import { runFaultline } from "../support/faultline-cli.ts";

async function resourcesOf(runId: string) {
  const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] });
  const client = docker();
  return {
    containers: (await client.listContainers({ all: true, filters })).length,
    networks: (await client.listNetworks({ filters })).length,
  };
}

/** Starts the stand-in run in a child process and resolves when its containers are up. */
function startChild(runId: string) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("test", "support", "start-and-wait.ts")],
    {
      cwd: projectRoot(),
      env: { ...process.env, FAULTLINE_RUN_ID: runId, TESTCONTAINERS_RYUK_DISABLED: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => out.includes("ready ") && resolve());
    child.on("exit", (code) => reject(new Error(`child exited ${code} before ready:\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe("cleanup", () => {
  it("SIGINT in the middle of a run removes its containers and network, exit code 130", async () => {
    const runId = `sigint-${randomUUID()}`;
    const run = startChild(runId);
    await run.ready;
    expect(await resourcesOf(runId)).toEqual({ containers: 1, networks: 1 });
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.output()).toMatch(/SIGINT received: removing this run's containers/);
    expect(await resourcesOf(runId)).toEqual({ containers: 0, networks: 0 });
  });

  it("a run killed with SIGKILL leaves resources that the next run's sweep removes", async () => {
    const runId = `sigkill-${randomUUID()}`;
    const run = startChild(runId);
    await run.ready;
    run.child.kill("SIGKILL");
    await run.exited;
    expect(await resourcesOf(runId)).toEqual({ containers: 1, networks: 1 });
    const swept = await sweepLeftovers();
    expect(swept.containers.length).toBeGreaterThanOrEqual(1);
    expect(await resourcesOf(runId)).toEqual({ containers: 0, networks: 0 });
  });

  it("the sweep leaves a live run's containers alone", async () => {
    const client = docker();
    const c = await client.createContainer({ Image: imageRef("toxiproxy"), Labels: runLabels() });
    try {
      await sweepLeftovers();
      expect((await c.inspect()).Id).toBe(c.id);
    } finally {
      await c.remove({ force: true });
    }
  });
});

describe("a `faultline up` killed half-way", () => {
  const cli = (args: string[], env: Record<string, string>) =>
    spawn(process.execPath, [path.join(projectRoot(), "bin", "faultline.mjs"), ...args], {
      cwd: projectRoot(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = cli(args, env);
      let out = "";
      c.stdout.on("data", (d: Buffer) => (out += d.toString()));
      c.stderr.on("data", (d: Buffer) => (out += d.toString()));
      c.on("close", (code) => resolve({ code, out }));
    });

  for (const moment of ["infrastructure start", "service start"] as const) {
    it(`SIGKILL during ${moment}: \`down --all\` and the next command's sweep remove it`, async () => {
      const runId = `upkill-${randomUUID()}`;
      // Its own cache dir: no state file of anyone else's detached stack is involved.
      const env = { FAULTLINE_RUN_ID: runId, FAULTLINE_CACHE_DIR: path.join("/tmp", `faultline-${runId}`) };
      const up = cli(["up"], env);
      const exited = new Promise((r) => up.on("close", r));
      // Kill once containers exist: Toxiproxy and the infrastructure, or a service too.
      const want = moment === "infrastructure start" ? 2 : 4;
      await expect
        .poll(async () => (await resourcesOf(runId)).containers, { timeout: 120_000, interval: 100 })
        .toBeGreaterThanOrEqual(want);
      up.kill("SIGKILL");
      await exited;
      expect((await resourcesOf(runId)).containers).toBeGreaterThanOrEqual(want);
      const down = await run(["down", "--all"], env);
      expect(down.code, down.out).toBe(0);
      // Its sweep (owner dead) or --all (no state file) removes it, and says so.
      expect(down.out).toMatch(
        new RegExp(`faultline: removed what dead runs left: |no state file \\(run ${runId}\\)`),
      );
      // A create request in flight at the kill may land after: the sweep takes what is left.
      await sweepLeftovers();
      expect(await resourcesOf(runId)).toEqual({ containers: 0, networks: 0 });
    }, 240_000);
  }

  it("the sweep removes a detached stack whose `up` died before recording it, and keeps a recorded one", async () => {
    const runId = `upkill-${randomUUID()}`;
    const env = { FAULTLINE_RUN_ID: runId, FAULTLINE_CACHE_DIR: path.join("/tmp", `faultline-${runId}`) };
    const up = cli(["up"], env);
    const exited = new Promise((r) => up.on("close", r));
    await expect
      .poll(async () => (await resourcesOf(runId)).containers, { timeout: 120_000, interval: 100 })
      .toBeGreaterThanOrEqual(2);
    up.kill("SIGKILL");
    await exited;
    // Recorded (as if its state file existed): kept. The stacks other files recorded stay
    // recorded: they may be running beside this one.
    await sweepLeftovers(docker(), new Set([...(await recordedRuns()), runId]));
    expect((await resourcesOf(runId)).containers).toBeGreaterThanOrEqual(2);
    // Not recorded, owner dead: swept.
    await expect
      .poll(
        async () => {
          await sweepLeftovers(docker(), await recordedRuns());
          return resourcesOf(runId);
        },
        { timeout: 30_000 },
      )
      .toEqual({ containers: 0, networks: 0 });
  }, 240_000);
});

describe("a detached stack recorded by another checkout", () => {
  it("is kept by every sweep and by `down --all` run with another cache directory", async () => {
    const runId = `elsewhere-${randomUUID()}`;
    const theirs = { FAULTLINE_RUN_ID: runId, FAULTLINE_CACHE_DIR: path.join("/tmp", `faultline-${runId}`) };
    const mine = { FAULTLINE_CACHE_DIR: path.join("/tmp", `faultline-mine-${runId}`) };
    const up = await runFaultline(["up"], theirs);
    expect(up.code, up.stderr).toBe(0);
    try {
      const before = (await resourcesOf(runId)).containers;
      expect(before).toBeGreaterThan(0);
      // Its `up` has exited (owner dead) and no state file here names it: only its mark keeps it.
      await sweepLeftovers();
      const down = await runFaultline(["down", "--all"], mine);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stderr).not.toContain(runId);
      expect((await resourcesOf(runId)).containers).toBe(before);
    } finally {
      expect((await runFaultline(["down"], theirs)).code).toBe(0);
    }
    expect(await resourcesOf(runId)).toEqual({ containers: 0, networks: 0 });
  }, 240_000);
});

describe("a `chaos run --attach` killed while its fault is in force", () => {
  it("leaves the toxic on the attached stack; the next chaos run on that stack removes it and says so", async () => {
    const runId = `chaoskill-${randomUUID()}`;
    const env = {
      ...process.env,
      FAULTLINE_RUN_ID: runId,
      FAULTLINE_CACHE_DIR: path.join("/tmp", `faultline-${runId}`),
    };
    const bin = path.join(projectRoot(), "bin", "faultline.mjs");
    // The stack is the run of `up`; each chaos run is a run of its own (a run removes its own
    // resources when it exits, never the stack it attached to).
    const { FAULTLINE_RUN_ID: _stackRun, ...ownRun } = env;
    const run = (args: string[], until?: RegExp) =>
      new Promise<{ code: number | null; out: string; child: ReturnType<typeof spawn> }>((resolve) => {
        const child = spawn(process.execPath, [bin, ...args], {
          cwd: projectRoot(),
          env: args[0] === "chaos" ? ownRun : env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        const on = (d: Buffer) => {
          out += d.toString();
          if (until && until.test(out)) resolve({ code: null, out, child });
        };
        child.stdout.on("data", on);
        child.stderr.on("data", on);
        child.on("close", (code) => resolve({ code, out, child }));
      });
    const up = await run(["up", "--json"]);
    expect(up.code, up.out).toBe(0);
    const toxiproxyUrl = (JSON.parse(up.out.slice(up.out.indexOf("{"))) as { toxiproxyUrl: string })
      .toxiproxyUrl;
    const toxics = async () =>
      (
        (await (await fetch(`${toxiproxyUrl}/proxies/orders->payments/toxics`)).json()) as { name: string }[]
      ).map((t) => t.name);
    try {
      const chaos = await run(
        ["chaos", "run", "payments-slow", "--attach", "--seed", "1"],
        /fault payments-slow: latency 3000 ms on orders->payments[^\n]*in force/,
      );
      expect(chaos.code, chaos.out).toBeNull(); // still running, fault in force
      chaos.child.kill("SIGKILL");
      await new Promise((r) => chaos.child.on("close", r));
      expect(await toxics()).toEqual(["faultline_payments-slow_downstream"]);
      const next = await run(["chaos", "run", "payment-declined", "--attach", "--seed", "1"]);
      expect(next.code, next.out).toBe(0);
      expect(next.out).toMatch(/stack restored before the scenario: reset orders->payments/);
      expect(await toxics()).toEqual([]);
    } finally {
      const down = await run(["down"]);
      expect(down.code, down.out).toBe(0);
    }
    expect(await resourcesOf(runId)).toEqual({ containers: 0, networks: 0 });
  }, 300_000);
});

describe("the kill matrix: SIGKILL mid-suite, mid-fault, mid-load, then the next command", () => {
  const nothing = { containers: 0, networks: 0, volumes: 0, faults: 0, processes: 0 };

  it("`run --json` killed mid-fault: its job notices, rolls back and removes its stack by itself", async () => {
    const r = await killOnce({
      label: "run",
      args: ["run", "--json", "--only", "chaos", "--seed", "1"],
      signal: "SIGKILL",
      when: /in force after/,
    });
    expect(r.moment, r.output).toBe("mid-fault");
    expect(r.exit).toBe("SIGKILL");
    // The job ran in a child that outlived the killed command only long enough to clean up.
    expect(r.output).toMatch(/parent process \d+ is gone: stopping/);
    expect(r.leftAfterKill, r.output).toEqual(nothing);
    expect(r.leftAfterNext).toEqual(nothing);
  }, 420_000);

  it("`chaos run` killed mid-fault leaves its stack; the next command removes it", async () => {
    const r = await killOnce({
      label: "chaos run",
      args: ["chaos", "run", "payments-slow", "--seed", "1"],
      signal: "SIGKILL",
      when: /in force after/,
    });
    expect(r.moment, r.output).toBe("mid-fault");
    expect(r.leftAfterKill.containers, r.output).toBeGreaterThan(0);
    expect(r.leftAfterNext).toEqual(nothing);
  }, 300_000);

  it("`load run` killed mid-load leaves its stack and load runner; the next command removes them", async () => {
    const r = await killOnce({
      label: "load run",
      args: ["load", "run", "smoke", "--duration", "20s"],
      signal: "SIGKILL",
      when: /^\s+\d+s\s+[\d.]+ req\/s/m,
    });
    expect(r.moment, r.output).toBe("mid-load");
    expect(r.leftAfterKill.containers, r.output).toBeGreaterThan(0);
    expect(r.leftAfterNext).toEqual(nothing);
  }, 300_000);

  it("`up` killed during its image checks leaves nothing the next command does not remove", async () => {
    const r = await killOnce({ label: "up", args: ["up"], signal: "SIGKILL", atMs: 300 });
    expect(r.moment).toBe("image checks and manifest");
    expect(r.leftAfterNext).toEqual(nothing);
  }, 120_000);
});
