/**
 * A shop service built from a modified copy of the shop's protos, the way a provider team
 * would ship a proto change: the shop is copied, the edits are applied to its .proto files,
 * the Go code is regenerated (targets/shop/scripts/gen-proto.sh: tools/protogen, pinned plugins), and the
 * service's image is built by the image pipeline from that copy under its own tag.
 */
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { buildImages, removeImage } from "../../../src/images/image-builder.ts";
import { projectRoot, reportsDir } from "../../../src/paths.ts";

const run = promisify(execFile);

export interface ProtoEdit {
  /** Path under targets/shop, e.g. proto/shop/payments/v1/payments.proto. */
  file: string;
  from: string;
  to: string;
}

export interface ModifiedProvider extends AsyncDisposable {
  image: string;
  /** The modified protos (the provider's own, for the schema check). */
  protos: string;
}

export async function buildFromModifiedProto(
  service: "orders" | "payments" | "inventory",
  tag: string,
  edits: ProtoEdit[],
): Promise<ModifiedProvider> {
  const root = fs.mkdtempSync(path.join(reportsDir(), "tmp-modified-proto-"));
  const shop = path.join(root, "targets", "shop");
  const ref = `faultline/shop-${service}:${tag}`;
  const dispose = async () => {
    await removeImage(ref).catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    fs.cpSync(path.join(projectRoot(), "targets", "shop"), shop, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}.bin`),
    });
    for (const e of edits) {
      const f = path.join(shop, e.file);
      const text = fs.readFileSync(f, "utf8");
      if (!text.includes(e.from))
        throw new Error(`Edit of ${e.file} did not apply: "${e.from}" is not in it`);
      fs.writeFileSync(f, text.replace(e.from, e.to));
    }
    // protogen and the pinned code generators, built once into the project's targets/shop/.bin
    // (tools/protogen/install.sh skips what is already built at its version).
    const tools = path.join(projectRoot(), "tools", "protogen");
    const bin = path.join(projectRoot(), "targets", "shop", ".bin");
    await run("bash", [path.join(tools, "install.sh"), bin], { env: { ...process.env, GOWORK: "" } });
    fs.cpSync(bin, path.join(shop, ".bin"), { recursive: true });
    await run("bash", [path.join(shop, "scripts", "gen-proto.sh")], {
      env: { ...process.env, GOWORK: "", PROTOGEN_TOOLS: tools },
    });
    const [result] = await buildImages({
      root,
      force: true,
      images: [
        {
          kind: "go-source",
          name: `shop-${service}-${tag}`,
          ref,
          workspace: "targets/shop",
          inputs: ["go.work", "go.work.sum", "proto", "platform", service],
          pkg: `./${service}/cmd/${service}`,
          binary: service,
          expose: [8080, 9090],
        },
      ],
    });
    if (!result || result.action !== "built")
      throw new Error(`Building ${ref} from the modified protos failed: ${JSON.stringify(result)}`);
    return { image: ref, protos: path.join(shop, "proto", "shop"), [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
