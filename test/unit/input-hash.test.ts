import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hashInputs, listInputFiles } from "../../src/images/input-hash.ts";

describe("input hash", () => {
  it("changes with a file's content or name, not with build caches", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "hash-"));
    await mkdir(path.join(root, "svc", ".bin"), { recursive: true });
    await writeFile(path.join(root, "svc", "a.go"), "package a");
    await writeFile(path.join(root, "svc", ".bin", "tool"), "binary");
    const files = await listInputFiles(root, ["svc", "missing.sum"]);
    expect(files).toEqual(["svc/a.go"]);
    const h1 = await hashInputs({ v: 1 }, root, files);
    await writeFile(path.join(root, "svc", ".bin", "tool"), "other binary");
    expect(await hashInputs({ v: 1 }, root, await listInputFiles(root, ["svc"]))).toBe(h1);
    await writeFile(path.join(root, "svc", "a.go"), "package a // changed");
    expect(await hashInputs({ v: 1 }, root, files)).not.toBe(h1);
    expect(await hashInputs({ v: 2 }, root, files)).not.toBe(await hashInputs({ v: 1 }, root, files));
  });
});
