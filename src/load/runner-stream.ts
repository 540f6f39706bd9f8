/** Reads the load runner container's output: JSON lines to onLine, other text to `other`. */
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import type { RunnerLine } from "./aggregate.ts";

/** Streams the container's log lines until it exits; returns its exit code (-1: unknown). */
export async function streamRunner(
  container: StartedTestContainer,
  handle: Dockerode.Container,
  onLine: (line: RunnerLine) => void,
  other: string[],
): Promise<number> {
  // Docker's log stream does not keep Node's event loop alive by itself: waiting on the
  // container's exit (a pending request) does, and gives the exit code.
  const exited = (handle.wait() as Promise<{ StatusCode: number }>).catch((err: Error) => {
    other.push(`waiting for the runner: ${err.message}`);
    return { StatusCode: -1 };
  });
  const stream = await container.logs();
  let buf = "";
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer | string) => {
      buf += chunk.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const text = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!text) continue;
        if (!text.startsWith("{")) {
          other.push(text);
          continue;
        }
        try {
          onLine(JSON.parse(text) as RunnerLine);
        } catch (err) {
          other.push(`${text} (${(err as Error).message})`);
        }
      }
    });
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  return (await exited).StatusCode;
}
