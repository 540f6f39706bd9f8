/**
 * A mutant's image: the service's main package built from the mutated copy with the flags of
 * its real image (static, stripped, its build tags) into a FROM scratch image under a tag of its
 * own, `<image>:mutant-<id>`. Never over the service's own tag. Labelled with the owner process,
 * so a later run removes the images of a run that was killed.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { docker } from "../docker-client.ts";
import { ownerAlive, processStartTicks } from "../env/run-labels.ts";

const run = promisify(execFile);

export const MUTANT_LABEL = "dev.faultline.mutant";
const OWNER_PID = "dev.faultline.mutant.owner-pid";
const OWNER_STARTED = "dev.faultline.mutant.owner-started";

export interface MutantImageSpec {
  /** The service's image reference (`faultline/shop-payments:dev`): the mutant's tag goes beside it. */
  image: string;
  id: string;
  binary: string;
  expose: number[];
}

/** `faultline/shop-payments:dev` -> `faultline/shop-payments:mutant-<id>`. */
export function mutantRef(image: string, id: string): string {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const repo = colon > slash ? image.slice(0, colon) : image;
  return `${repo}:mutant-${id}`;
}

/** go build flags of a service image (src/images/image-builder.ts builds the same way). */
export function imageBuildArgs(tags: string[], out: string, pkg: string): string[] {
  return [
    "build",
    "-trimpath",
    ...(tags.length ? [`-tags=${tags.join(",")}`] : []),
    "-ldflags=-s -w",
    "-o",
    out,
    pkg,
  ];
}

/** Packs a built binary into the mutant's image; returns its reference. */
export async function packMutantImage(spec: MutantImageSpec, context: string): Promise<string> {
  const ref = mutantRef(spec.image, spec.id);
  const dockerfile = [
    "FROM scratch",
    `COPY ${spec.binary} /${spec.binary}`,
    "USER 65532:65532",
    ...spec.expose.map((p) => `EXPOSE ${p}`),
    `ENTRYPOINT ["/${spec.binary}"]`,
    "",
  ].join("\n");
  await writeFile(path.join(context, "Dockerfile"), dockerfile);
  const labels = [
    `${MUTANT_LABEL}=${spec.id}`,
    `${OWNER_PID}=${process.pid}`,
    `${OWNER_STARTED}=${processStartTicks(process.pid) ?? ""}`,
  ].flatMap((l) => ["--label", l]);
  await run("docker", ["build", "--rm", "--force-rm", "-q", "-t", ref, ...labels, context], {
    env: { ...process.env, DOCKER_BUILDKIT: "0", DOCKER_CLI_HINTS: "false" },
    maxBuffer: 16 * 1024 * 1024,
  });
  return ref;
}

export async function removeMutantImage(ref: string): Promise<void> {
  try {
    await docker().getImage(ref).remove({ force: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/** Removes mutant images whose owner is gone (a run killed with SIGKILL); returns their tags. */
export async function sweepMutantImages(): Promise<string[]> {
  const images = await docker().listImages({ filters: JSON.stringify({ label: [MUTANT_LABEL] }) });
  const removed: string[] = [];
  for (const img of images) {
    const l = img.Labels ?? {};
    const pid = Number(l[OWNER_PID]);
    if (Number.isInteger(pid) && pid > 0 && ownerAlive(pid, l[OWNER_STARTED] || undefined)) continue;
    for (const tag of img.RepoTags ?? []) {
      await removeMutantImage(tag);
      removed.push(tag);
    }
    if (!img.RepoTags?.length) await removeMutantImage(img.Id);
  }
  return removed;
}

/** A scratch folder for one mutant's image context. */
export async function imageContext(dir: string, id: string): Promise<string> {
  const ctx = path.join(dir, "image", id);
  await rm(ctx, { recursive: true, force: true });
  await mkdir(ctx, { recursive: true });
  return ctx;
}
