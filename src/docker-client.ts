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
 * stderr in order, without Docker's 8-byte multiplexing headers (stream type 0/1/2, then the
 * frame's length, big-endian); a TTY container's log (no headers) passes through as it is.
 * Not dockerode's demuxStream: it recurses once per frame and copies the rest of the buffer
 * each time, so a long-lived service's log (thousands of lines) overflowed the call stack
 * ("Maximum call stack size exceeded", seen in trace-connected on a stack 20 minutes old).
 */
export function logText(raw: Buffer | string): string {
  if (typeof raw === "string") return raw;
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const type = raw[at]!;
    const size = raw.readUInt32BE(at + 4);
    if (type > 2 || raw[at + 1] !== 0 || raw[at + 2] !== 0 || raw[at + 3] !== 0) {
      // Not a header: no multiplexing (a TTY), or misaligned from here on: the rest as it is.
      parts.push(raw.subarray(at));
      at = raw.length;
      break;
    }
    parts.push(raw.subarray(at + 8, Math.min(raw.length, at + 8 + size)));
    at += 8 + size;
  }
  if (at < raw.length) parts.push(raw.subarray(at));
  return Buffer.concat(parts).toString("utf8");
}
