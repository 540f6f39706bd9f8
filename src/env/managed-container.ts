import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { bindPublishedPorts } from "./bind-host.ts";
import { docker } from "../docker-client.ts";
import { runLabels } from "./run-labels.ts";

/** A container whose published ports listen on loopback only (FAULTLINE_BIND_HOST widens it). */
export class LoopbackContainer extends GenericContainer {
  override async start(): Promise<StartedTestContainer> {
    bindPublishedPorts(this);
    return super.start();
  }
}

/**
 * A Testcontainers container carrying this run's labels, so cleanup and the leftover sweep find
 * it, never pulled, its ports published on loopback only.
 */
export function managedContainer(image: string): GenericContainer {
  return new LoopbackContainer(image).withLabels(runLabels()).withPullPolicy({ shouldPull: () => false });
}

export interface RunNetwork {
  name: string;
  id: string;
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A bridge network labelled with this run (Testcontainers' own networks cannot carry labels). */
export async function createRunNetwork(
  prefix = "faultline",
  extraLabels: Record<string, string> = {},
): Promise<RunNetwork> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const net = await docker().createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    Labels: runLabels(extraLabels),
  });
  const remove = async () => {
    try {
      await net.remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  };
  return { name, id: net.id, remove, [Symbol.asyncDispose]: remove };
}
