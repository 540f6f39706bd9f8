/** `--driver`, `--kubeconfig`, `--context`, `--namespace`: where a command's stack runs. */
import type { Command } from "commander";
import { DRIVERS, type DriverName, type KubernetesTarget } from "../env/stack.ts";

export interface DriverOpts {
  driver?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export function withDriverOptions(c: Command): Command {
  return c
    .option(
      "--driver <name>",
      `where the stack runs: ${DRIVERS.join(" or ")} (default: the manifest's driver:, else docker)`,
    )
    .option(
      "--kubeconfig <file>",
      "kubernetes: the kubeconfig (default: the one `faultline cluster up` writes)",
    )
    .option("--context <name>", "kubernetes: the kubeconfig context (default: its current one)")
    .option("--namespace <name>", "kubernetes: a namespace to create and delete (default: one per run)");
}

/** The driver choice of parsed options; an unknown driver names the known ones. */
export function driverChoice(o: DriverOpts): { driver?: DriverName; kubernetes?: KubernetesTarget } {
  if (o.driver !== undefined && !(DRIVERS as readonly string[]).includes(o.driver))
    throw new Error(`--driver: no driver "${o.driver}"; drivers: ${DRIVERS.join(", ")}`);
  const kubernetes = { kubeconfig: o.kubeconfig, context: o.context, namespace: o.namespace };
  return { driver: o.driver as DriverName | undefined, kubernetes };
}
