import { docker, logText } from "../../src/docker-client.ts";
import { runLabels } from "../../src/env/run-labels.ts";

/** Runs a container of a local image until it exits; returns its exit code and its whole log. */
export async function runToExit(image: string, env: Record<string, string>, timeoutMs = 60_000) {
  const client = docker();
  const c = await client.createContainer({
    Image: image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: runLabels(),
  });
  try {
    await c.start();
    const waited = (await Promise.race([
      c.wait(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${image} still running after ${timeoutMs} ms`)), timeoutMs),
      ),
    ])) as { StatusCode: number };
    const raw = (await c.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    const out = logText(raw);
    return { exitCode: waited.StatusCode, logs: out };
  } finally {
    await c.remove({ force: true, v: true });
  }
}
