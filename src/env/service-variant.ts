/**
 * A second instance of one of a running stack's services, with some environment changed
 * (a tiny rate limit, a sabotage switch). It joins the stack's network with the same
 * configuration as the original, so it talks to the same dependencies through the same
 * Toxiproxy edges; only the overridden variables differ.
 */
import { Wait, type StartedTestContainer } from "testcontainers";
import { docker, logText } from "../docker-client.ts";
import { joinRunNetwork, managedContainer } from "./managed-container.ts";
import { resolveImage } from "./manifest.ts";
import type { StartedStack } from "./stack.ts";

export interface StartedServiceVariant extends AsyncDisposable {
  readonly service: string;
  readonly name: string;
  /** http://host:port of the variant's HTTP port from this host. */
  readonly url: string;
  /** host:port of the variant's gRPC port from this host (when asked for with `grpc`). */
  readonly grpcAddress?: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export async function startServiceVariant(
  stack: StartedStack,
  service: string,
  name: string,
  env: Record<string, string>,
  opts: { image?: string; grpc?: boolean } = {},
): Promise<StartedServiceVariant> {
  const spec = stack.manifest.services[service];
  if (!spec)
    throw new Error(
      `No service "${service}" in target "${stack.manifest.name}"; services: ${Object.keys(stack.manifest.services).join(", ")}`,
    );
  const original = await docker().getContainer(`${stack.network.name}-${service}`).inspect();
  const baseEnv = Object.fromEntries(
    (original.Config.Env ?? []).map((e) => {
      const i = e.indexOf("=");
      return [e.slice(0, i), e.slice(i + 1)] as [string, string];
    }),
  );
  const containerName = `${stack.network.name}-${service}-${name}-${Math.random().toString(36).slice(2, 6)}`;
  const grpcPort = opts.grpc ? spec.ports.grpc : undefined;
  if (opts.grpc && !grpcPort) throw new Error(`Service "${service}" has no grpc port`);
  const container: StartedTestContainer = await (
    await joinRunNetwork(managedContainer(opts.image ?? resolveImage(spec.image)), stack.network.name)
  )
    .withName(containerName)
    .withEnvironment({ ...baseEnv, ...env })
    .withExposedPorts(...(grpcPort ? [spec.ports.http, grpcPort] : [spec.ports.http]))
    .withWaitStrategy(Wait.forHttp(spec.readiness, spec.ports.http).forStatusCode(200))
    .withStartupTimeout(spec.startupTimeout * 1000)
    .start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await container.stop({ remove: true, timeout: 2000 });
  };
  return {
    service,
    name: containerName,
    url: `http://${container.getHost()}:${container.getMappedPort(spec.ports.http)}`,
    ...(grpcPort ? { grpcAddress: `${container.getHost()}:${container.getMappedPort(grpcPort)}` } : {}),
    async logs() {
      const raw = (await docker()
        .getContainer(container.getId())
        .logs({ stdout: true, stderr: true })) as Buffer;
      return logText(raw);
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
