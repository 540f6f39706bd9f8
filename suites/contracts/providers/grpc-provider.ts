/**
 * The gRPC endpoint a provider harness verifies: the stack's own service, or, when the
 * harness is given a providerEnv (a sabotage switch) or an image (the service built from a
 * modified proto), a second instance of it on the stack's network.
 */
import path from "node:path";
import type { ProviderSetUpOptions } from "../../../src/contracts/provider-harness.ts";
import { startServiceVariant } from "../../../src/env/service-variant.ts";
import type { StartedStack } from "../../../src/env/stack.ts";
import { projectRoot } from "../../../src/paths.ts";

/** The shop's own protos: the providers' schemas the protobuf plugin checks pacts against. */
export const SHOP_PROTOS = path.join(projectRoot(), "targets", "shop", "proto", "shop");

export interface GrpcUnderTest {
  /** The gRPC port on this host's loopback. */
  port: number;
  stop(): Promise<void>;
}

export async function grpcUnderTest(
  stack: StartedStack,
  service: string,
  opts: ProviderSetUpOptions,
): Promise<GrpcUnderTest> {
  const env = opts.providerEnv ?? {};
  if (Object.keys(env).length === 0 && !opts.image) {
    return { port: portOf(stack.url(service, "grpc")), stop: async () => undefined };
  }
  const variant = await startServiceVariant(stack, service, "under-test", env, {
    ...(opts.image ? { image: opts.image } : {}),
    grpc: true,
  });
  return { port: portOf(variant.grpcAddress!), stop: () => variant.stop() };
}

function portOf(hostPort: string): number {
  const port = Number(hostPort.slice(hostPort.lastIndexOf(":") + 1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`No port in gRPC address ${hostPort}`);
  return port;
}
