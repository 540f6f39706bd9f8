/**
 * A loopback port that forwards each connection to a port of the current ready pod of a selector,
 * through the API server (as `kubectl port-forward` does), so probes keep working after a pod
 * is killed and replaced. Traffic from the host goes only to 127.0.0.1.
 */
import { CoreV1Api, PortForward, type KubeConfig } from "@kubernetes/client-node";
import net from "node:net";

export class LoopbackForward {
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async open(
    kc: KubeConfig,
    namespace: string,
    selector: string,
    targetPort: number,
    localPort = 0,
  ): Promise<LoopbackForward> {
    const core = kc.makeApiClient(CoreV1Api);
    const forward = new PortForward(kc, true);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      void (async () => {
        const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
        const pod = pods.items.find(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.phase === "Running" &&
            p.status.containerStatuses?.every((c) => c.state?.running),
        );
        if (!pod) return socket.destroy();
        const ws = await forward.portForward(
          namespace,
          pod.metadata!.name!,
          [targetPort],
          socket,
          null,
          socket,
        );
        const w = typeof ws === "function" ? ws() : ws;
        socket.on("close", () => w?.close());
      })().catch(() => socket.destroy());
    });
    server.on("close", () => sockets.forEach((s) => s.destroy()));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(localPort, "127.0.0.1", () => resolve());
    });
    return new LoopbackForward(server, (server.address() as net.AddressInfo).port);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A free loopback port (for an address that must be known before the forward opens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
