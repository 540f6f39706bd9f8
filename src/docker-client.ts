import { EventEmitter } from "node:events";
import Docker from "dockerode";

/** Docker does not answer: the message says how to start it. */
export class DockerUnavailableError extends Error {
  constructor(detail: string) {
    super(
      `Docker is not running or not reachable (${detail}).\n` +
        `  Fix: run "npm run setup" (installs Debian's docker.io when missing and starts dockerd as root),\n` +
        `  or start it yourself: "sudo dockerd > /var/log/dockerd.log 2>&1 &" (or "sudo systemctl start docker"),\n` +
        `  or point DOCKER_HOST at a running engine.`,
    );
    this.name = "DockerUnavailableError";
  }
}

let shared: Docker | undefined;

/** The Docker API client for DOCKER_HOST, or the default socket. */
export function docker(): Docker {
  shared ??= new Docker();
  return shared;
}

export interface DockerVersion {
  version: string;
  apiVersion: string;
}

/** Asks the daemon for its version; throws DockerUnavailableError with the fix when it does not answer. */
export async function dockerVersion(client: Pick<Docker, "version"> = docker()): Promise<DockerVersion> {
  try {
    const v = await client.version();
    return { version: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    throw new DockerUnavailableError(err instanceof Error ? err.message : String(err));
  }
}

export interface LocalImage {
  ref: string;
  id: string;
  sizeBytes: number;
  labels: Record<string, string>;
  created: string;
}

/** The local image with that reference, or undefined when there is none. Never pulls. */
export async function inspectImage(ref: string, client: Docker = docker()): Promise<LocalImage | undefined> {
  try {
    const info = await client.getImage(ref).inspect();
    return {
      ref,
      id: info.Id,
      sizeBytes: info.Size,
      labels: info.Config?.Labels ?? {},
      created: info.Created,
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/**
 * The text of a container's log as `container.logs({ follow: false })` returns it, stdout and
 * stderr in order: dockerode's demuxStream strips the 8-byte multiplexing headers (and passes a
 * TTY container's log through as it is).
 */
export function logText(raw: Buffer | string, client: Docker = docker()): string {
  if (typeof raw === "string") return raw;
  const chunks: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => chunks.push(chunk) };
  const source = new EventEmitter();
  (client.modem as { demuxStream(s: EventEmitter, out: unknown, err: unknown): void }).demuxStream(
    source,
    sink,
    sink,
  );
  source.emit("data", raw);
  return Buffer.concat(chunks).toString("utf8");
}
