import { describe, expect, it } from "vitest";
import { hangSeconds } from "../../src/chaos/defaults.ts";
import type { Edge } from "../../src/env/manifest.ts";

const edge = (name: string, deadline?: string): Edge =>
  ({
    name,
    from: name.split("->")[0]!,
    to: name.split("->")[1]!,
    toKind: "service",
    dependency: { env: "X", port: "grpc", ...(deadline ? { deadline } : {}) },
  }) as Edge;

describe("default-edge-hangs: how long a wave is hung", () => {
  it("outlasts the longest caller deadline of the wave, so an unbounded caller is still waiting", () => {
    expect(hangSeconds([edge("gateway->orders", "10s")])).toBe(14);
    expect(hangSeconds([edge("orders->payments", "2s"), edge("gateway->orders", "10s")])).toBe(14);
    expect(hangSeconds([edge("orders->payments", "1500ms")])).toBe(6);
  });
  it("is the base hang for edges without a deadline", () => {
    expect(hangSeconds([edge("notifications->postgres")])).toBe(3);
  });
});
