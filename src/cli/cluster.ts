/** `faultline cluster up|status|down`: the single-node Kubernetes the kubernetes driver runs on. */
import type { Command } from "commander";
import { clusterDown, clusterStatus, clusterUp, type ClusterStatus } from "../cluster/cluster.ts";

function printStatus(s: ClusterStatus): void {
  process.stdout.write(
    `cluster ${s.ready ? "ready" : "not ready"}  ${s.version ?? "(not started)"}\n  kubeconfig  ${s.kubeconfig}\n`,
  );
  for (const p of s.processes)
    process.stdout.write(
      `  ${p.name.padEnd(18)} pid ${String(p.pid).padEnd(8)} ${p.alive ? `running  ${p.rssMiB ?? "?"} MiB` : "exited"}\n`,
    );
}

export function registerClusterCommands(program: Command): void {
  const cluster = program
    .command("cluster")
    .description("a real single-node Kubernetes built from the registries (for --driver kubernetes)");
  cluster
    .command("up")
    .description("build (cached) and start the cluster, wait for a Ready node, print the kubeconfig's path")
    .action(async () => {
      const t0 = Date.now();
      const s = await clusterUp((e) =>
        process.stderr.write(`  ${e.step.padEnd(26)} ${(e.ms / 1000).toFixed(1)} s\n`),
      );
      process.stderr.write(`cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      process.stdout.write(`${s.kubeconfig}\n`);
    });
  cluster
    .command("status")
    .description("whether the cluster is up, its kubeconfig and version")
    .option("--json", "print { ready, kubeconfig, version, processes } as JSON")
    .action(async (opts: { json?: boolean }) => {
      const s = await clusterStatus();
      if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      else printStatus(s);
    });
  cluster
    .command("down")
    .description("stop the cluster (its pods first); images and etcd data stay for a warm start")
    .action(async () => {
      const r = await clusterDown();
      process.stdout.write(
        r.stopped.length ? `stopped ${r.stopped.join(", ")}\n` : "no cluster was running\n",
      );
    });
}
