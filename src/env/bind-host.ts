/**
 * Where published ports listen on this host. Loopback by default: a harness run on a laptop must
 * not expose the Toxiproxy API (fault injection), PostgreSQL or the services to the network it
 * sits on. FAULTLINE_BIND_HOST widens it on purpose (e.g. 0.0.0.0 for a remote Docker host), and
 * says so once.
 */
import type { GenericContainer } from "testcontainers";

let announced = false;

export function bindHost(): string {
  const h = process.env.FAULTLINE_BIND_HOST?.trim() || "127.0.0.1";
  if (h !== "127.0.0.1" && h !== "::1" && !announced) {
    announced = true;
    process.stderr.write(
      `faultline: FAULTLINE_BIND_HOST=${h}: published ports listen beyond loopback (anyone who can reach ${h} can inject faults through Toxiproxy's API and reach the databases)\n`,
    );
  }
  return h;
}

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[]>;

/** Rewrites a container's port bindings (as Testcontainers built them) to listen on bindHost(). */
export function bindPublishedPorts(container: GenericContainer): void {
  const hc = (container as unknown as { hostConfig: { PortBindings?: PortBindings } }).hostConfig;
  const host = bindHost();
  for (const bindings of Object.values(hc.PortBindings ?? {})) for (const b of bindings) b.HostIp = host;
}
