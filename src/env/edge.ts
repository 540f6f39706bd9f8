import type { Proxy, Toxiproxy } from "toxiproxy-node-client";
import type { Edge as EdgeSpec } from "./manifest.ts";
import { getProxy, type ToxicState } from "./toxiproxy-api.ts";

export type ToxicStream = "upstream" | "downstream";

/** The toxics Toxiproxy knows, each with its attributes (a discriminated union on `type`). */
export type ToxicSpec =
  | { type: "latency"; attributes: { latency: number; jitter?: number } }
  | { type: "bandwidth"; attributes: { rate: number } }
  | { type: "slow_close"; attributes: { delay: number } }
  | { type: "timeout"; attributes: { timeout: number } }
  | { type: "reset_peer"; attributes: { timeout: number } }
  | { type: "slicer"; attributes: { average_size: number; size_variation?: number; delay?: number } }
  | { type: "limit_data"; attributes: { bytes: number } };

export type AddToxic = ToxicSpec & { name?: string; stream?: ToxicStream; toxicity?: number };

export interface EdgeState {
  name: string;
  from: string;
  to: string;
  enabled: boolean;
  listen: string;
  upstream: string;
  toxics: ToxicState[];
}

/**
 * One dependency edge of the running stack, e.g. `orders->payments`: a Toxiproxy proxy that the
 * `from` service dials instead of `to`. Slow it, cut it, corrupt it, restore it.
 */
export class EdgeHandle {
  constructor(
    readonly spec: EdgeSpec,
    private readonly client: Toxiproxy,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  private proxy(): Promise<Proxy> {
    return this.client.get(this.spec.name);
  }

  /** Adds a toxic; its name defaults to `<type>_<stream>`. Returns the name. */
  async addToxic(t: AddToxic): Promise<string> {
    const stream = t.stream ?? "downstream";
    const name = t.name ?? `${t.type}_${stream}`;
    const proxy = await this.proxy();
    await proxy.addToxic({
      name,
      type: t.type as never,
      stream: stream as never,
      toxicity: t.toxicity ?? 1,
      attributes: t.attributes as never,
    });
    return name;
  }

  /** Changes a toxic's attributes or toxicity. */
  async updateToxic(
    name: string,
    change: { toxicity?: number; attributes?: Record<string, number> },
  ): Promise<void> {
    const toxic = await (await this.proxy()).getToxic(name);
    await toxic.update({
      name,
      type: toxic.type,
      stream: toxic.stream,
      toxicity: change.toxicity ?? toxic.toxicity,
      attributes: { ...(toxic.attributes as object), ...(change.attributes ?? {}) } as never,
    });
  }

  async removeToxic(name: string): Promise<void> {
    const toxic = await (await this.proxy()).getToxic(name);
    await toxic.remove();
  }

  /** Adds latency (ms) to responses on this edge. */
  latency(ms: number, jitter = 0): Promise<string> {
    return this.addToxic({ type: "latency", attributes: { latency: ms, jitter } });
  }

  /** Partition: the proxy refuses and drops connections until enable(). */
  async disable(): Promise<void> {
    const p = await this.proxy();
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
  }

  async enable(): Promise<void> {
    const p = await this.proxy();
    await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
  }

  async state(): Promise<EdgeState> {
    const p = await getProxy(this.client.host, this.spec.name);
    return {
      name: this.spec.name,
      from: this.spec.from,
      to: this.spec.to,
      enabled: p.enabled,
      listen: p.listen,
      upstream: p.upstream,
      toxics: p.toxics,
    };
  }

  /** Removes every toxic and re-enables the edge. */
  async reset(): Promise<void> {
    const state = await getProxy(this.client.host, this.spec.name);
    const p = await this.proxy();
    for (const t of state.toxics) await (await p.getToxic(t.name)).remove();
    if (!state.enabled) await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
  }
}
