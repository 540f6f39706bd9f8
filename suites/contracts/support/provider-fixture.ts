import fs from "node:fs";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { loadManifest } from "../../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../../src/env/stack.ts";
import { projectRoot } from "../../../src/paths.ts";

export interface ProviderFixture {
  stack: StartedStack;
  provider: ProviderSetup;
}

/**
 * A provider suite's fixtures (after Playwright's server fixtures): the shop stack and the
 * provider's harness are started once per file; every test starts with every edge restored.
 * The pact must exist: consumer tests write it.
 */
export function useProviderStack(
  harness: { setUp(stack: StartedStack): Promise<ProviderSetup> },
  pact: string,
): ProviderFixture {
  const ctx = {} as ProviderFixture;
  beforeAll(async () => {
    if (!fs.existsSync(pact))
      throw new Error(`${pact} is missing: run the consumer test first (faultline contracts test)`);
    ctx.stack = await new Environment(await loadManifest("shop", projectRoot())).start();
    ctx.provider = await harness.setUp(ctx.stack);
  });
  afterAll(async () => {
    await ctx.provider?.[Symbol.asyncDispose]();
    await ctx.stack?.stop();
  });
  beforeEach(async () => {
    await ctx.stack.reset();
  });
  return ctx;
}
