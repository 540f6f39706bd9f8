/** Pact content: the canonical form, the SHA that identifies a pact version, and merging two pacts. */
import { createHash } from "node:crypto";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The SHA that identifies a pact version: over the parts of the pact that affect verification
 * (consumer, provider, interactions/messages), not the metadata a client library stamps on it, so
 * the same contract published by two library versions shares its verification results.
 */
export function pactContentSha(content: Record<string, unknown>): string {
  const relevant = {
    consumer: content.consumer,
    provider: content.provider,
    interactions: content.interactions,
    messages: content.messages,
  };
  return createHash("sha1").update(canonical(relevant)).digest("hex");
}

/** Merge two pacts' interactions: same description + provider states replaces, others are added. */
export function mergePactContent(
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const key = (i: unknown): string => {
    const o = (i ?? {}) as Record<string, unknown>;
    return canonical({ d: o.description, s: o.providerState, ss: o.providerStates, t: o.type });
  };
  const merged: Record<string, unknown> = { ...previous, ...next };
  for (const field of ["interactions", "messages"] as const) {
    const a = Array.isArray(previous[field]) ? (previous[field] as unknown[]) : [];
    const b = Array.isArray(next[field]) ? (next[field] as unknown[]) : [];
    if (a.length === 0 && b.length === 0) continue;
    const byKey = new Map<string, unknown>();
    for (const i of a) byKey.set(key(i), i);
    for (const i of b) byKey.set(key(i), i);
    merged[field] = [...byKey.values()];
  }
  return merged;
}
