/**
 * Starting a stack: picks the driver (`--driver`, else the manifest's `driver:`, else docker) and
 * hands back the one stack interface (stack-interface.ts). Engines import from here only.
 */
import type { Manifest } from "./manifest.ts";
import type { DriverName, StackOptions, StartedStack } from "./stack-interface.ts";

export * from "./stack-interface.ts";

const drivers: Record<DriverName, (m: Manifest, o: StackOptions) => Promise<StartedStack>> = {
  docker: async (m, o) => new (await import("./docker/stack.ts")).DockerEnvironment(m, o).start(),
  kubernetes: async (m, o) => new (await import("./kubernetes/stack.ts")).KubernetesEnvironment(m, o).start(),
};

/** The driver a run uses: the option, else the manifest's `driver:`, else docker. */
export function driverOf(m: Manifest, opts: StackOptions = {}): DriverName {
  return opts.driver ?? m.driver ?? "docker";
}

/** Turns a manifest into a running stack on its driver, every edge through Toxiproxy. */
export class Environment {
  constructor(
    readonly manifest: Manifest,
    private readonly opts: StackOptions = {},
  ) {}

  start(): Promise<StartedStack> {
    return drivers[driverOf(this.manifest, this.opts)](this.manifest, this.opts);
  }
}
