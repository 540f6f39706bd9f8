import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerfileImage, GoSourceImage } from "../../src/images/catalog.ts";
import { buildImages, imageStatuses, removeImage } from "../../src/images/image-builder.ts";
import { inspectImage } from "../../src/docker-client.ts";
import { runToExit } from "../support/run-to-exit.ts";

// Two tiny Go programs in a workspace of their own, built by the same pipeline as the shop's
// services, so the cache logic is exercised for real without touching the project's images.
const tag = `cache-${process.pid}`;
function spec(name: string): GoSourceImage {
  return {
    kind: "go-source",
    name,
    ref: `faultline/test-${name}:${tag}`,
    workspace: "ws",
    inputs: ["go.mod", name],
    pkg: `./${name}/cmd/${name}`,
    binary: name,
    expose: [],
  };
}
const images = [spec("alpha"), spec("beta")];

async function writeMain(root: string, name: string, text: string) {
  const dir = path.join(root, "ws", name, "cmd", name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "main.go"),
    `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(${JSON.stringify(text)}) }\n`,
  );
}

describe("image cache: rebuilt only when inputs change", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "faultline-images-"));
    await mkdir(path.join(root, "ws"), { recursive: true });
    await writeFile(path.join(root, "ws", "go.mod"), "module example.test/cache\n\ngo 1.23\n");
    await writeMain(root, "alpha", "alpha v1");
    await writeMain(root, "beta", "beta v1");
  });
  afterAll(async () => {
    for (const i of images) await removeImage(i.ref);
    await rm(root, { recursive: true, force: true });
  });

  it("builds both, then a second build with unchanged inputs rebuilds nothing", async () => {
    const first = await buildImages({ root, images });
    expect(first.map((r) => [r.name, r.action])).toEqual([
      ["alpha", "built"],
      ["beta", "built"],
    ]);
    const idsBefore = await Promise.all(images.map(async (i) => (await inspectImage(i.ref))?.id));

    const second = await buildImages({ root, images });
    expect(second.map((r) => [r.name, r.action])).toEqual([
      ["alpha", "skipped"],
      ["beta", "skipped"],
    ]);
    const idsAfter = await Promise.all(images.map(async (i) => (await inspectImage(i.ref))?.id));
    expect(idsAfter).toEqual(idsBefore);
    expect((await imageStatuses(undefined, root, images)).map((s) => s.state)).toEqual([
      "current",
      "current",
    ]);
  });

  it("changing one image's input marks only it stale and rebuilds only it, with the new content", async () => {
    const alphaBefore = (await inspectImage(images[0]!.ref))?.id;
    await writeMain(root, "beta", "beta v2");
    expect((await imageStatuses(undefined, root, images)).map((s) => s.state)).toEqual(["current", "stale"]);

    const third = await buildImages({ root, images });
    expect(third.map((r) => [r.name, r.action])).toEqual([
      ["alpha", "skipped"],
      ["beta", "built"],
    ]);
    expect((await inspectImage(images[0]!.ref))?.id).toBe(alphaBefore);
    const run = await runToExit(images[1]!.ref, {});
    expect(run.logs.trim()).toBe("beta v2");
  });

  it("a failed build names the step and its log, and leaves the current image in place", async () => {
    const before = (await inspectImage(images[0]!.ref))?.id;
    const dir = path.join(root, "ws", "alpha", "cmd", "alpha");
    await writeFile(path.join(dir, "main.go"), "package main\n\nfunc main() { this is not go }\n");
    const err = await buildImages({ root, images, only: ["alpha"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /Image alpha: step "go build \.\/alpha\/cmd\/alpha" failed .*Full log: .*build-alpha\.log/s,
    );
    expect((await inspectImage(images[0]!.ref))?.id).toBe(before);
    expect((await imageStatuses(["alpha"], root, images))[0]?.state).toBe("stale");
  });

  it("an unknown image name lists the known ones", async () => {
    await expect(buildImages({ root, images, only: ["gamma"] })).rejects.toThrow(
      /Unknown image "gamma"; known images: alpha, beta/,
    );
  });
});

describe("a target's Dockerfile build (build: { context, dockerfile }), cached by its context", () => {
  let root: string;
  const image: DockerfileImage = {
    kind: "dockerfile",
    name: "gamma",
    ref: `faultline/test-gamma:${tag}`,
    context: "svc",
    dockerfile: "deploy/Dockerfile",
    args: { GREETING: "hello" },
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "faultline-dockerfile-"));
    await mkdir(path.join(root, "svc", "deploy"), { recursive: true });
    await writeFile(path.join(root, "svc", "payload.txt"), "v1\n");
    await writeFile(
      path.join(root, "svc", "deploy", "Dockerfile"),
      "FROM scratch\nARG GREETING\nLABEL greeting=$GREETING\nCOPY payload.txt /payload.txt\n",
    );
  });
  afterAll(async () => {
    await removeImage(image.ref);
    await rm(root, { recursive: true, force: true });
  });

  it("builds with its args, skips when nothing changed, rebuilds when a context file changes", async () => {
    expect((await buildImages({ root, images: [image] })).map((r) => r.action)).toEqual(["built"]);
    const first = await inspectImage(image.ref);
    expect(first?.labels.greeting).toBe("hello");
    expect((await buildImages({ root, images: [image] })).map((r) => r.action)).toEqual(["skipped"]);
    await writeFile(path.join(root, "svc", "payload.txt"), "v2\n");
    expect((await imageStatuses(undefined, root, [image]))[0]?.state).toBe("stale");
    expect((await buildImages({ root, images: [image] })).map((r) => r.action)).toEqual(["built"]);
    expect((await inspectImage(image.ref))?.id).not.toBe(first?.id);
  });

  it("refuses a FROM image that is not on this machine instead of pulling it, naming the line", async () => {
    const other: DockerfileImage = { ...image, name: "delta", ref: `faultline/test-delta:${tag}` };
    await writeFile(
      path.join(root, "svc", "deploy", "Dockerfile"),
      "ARG BASE=faultline/not-built-here:never\nFROM ${BASE} AS base\nFROM base\n",
    );
    await expect(buildImages({ root, images: [other] })).rejects.toThrow(
      /Image delta: svc\/deploy\/Dockerfile:2: FROM faultline\/not-built-here:never is not on this machine, and faultline never pulls/,
    );
    expect(await inspectImage(other.ref)).toBeUndefined();
  });
});
