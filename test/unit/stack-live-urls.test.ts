import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { liveUrls, type StackStateContainer } from "../../src/env/stack-state.ts";

const info = (running: boolean, ports: Record<string, string>) =>
  ({
    State: { Running: running },
    NetworkSettings: {
      Ports: Object.fromEntries(
        Object.entries(ports).map(([p, host]) => [p, [{ HostIp: "127.0.0.1", HostPort: host }]]),
      ),
    },
  }) as unknown as Docker.ContainerInspectInfo;

const orders: StackStateContainer = {
  name: "orders",
  kind: "service",
  id: "c1",
  urls: { http: "http://127.0.0.1:40001", grpc: "127.0.0.1:40002" },
  ports: { http: 8080, grpc: 9090 },
};

describe("a detached stack's URLs follow the ports Docker publishes now", () => {
  it("rewrites each URL's host port from its container port", () => {
    expect(liveUrls(orders, info(true, { "8080/tcp": "41001", "9090/tcp": "41002" }))).toEqual({
      http: "http://127.0.0.1:41001",
      grpc: "127.0.0.1:41002",
    });
  });

  it("keeps the recorded URLs of a stopped container, an unpublished port, or an old state file", () => {
    expect(liveUrls(orders, info(false, { "8080/tcp": "41001" }))).toEqual(orders.urls);
    expect(liveUrls(orders, info(true, { "8080/tcp": "41001" })).grpc).toBe("127.0.0.1:40002");
    const { ports: _, ...old } = orders;
    expect(liveUrls(old, info(true, { "8080/tcp": "41001" }))).toEqual(orders.urls);
  });
});
