import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors.ts";
import {
  pactUsesPlugins,
  protobufPluginVersion,
  useProtobufPlugin,
  useProtobufPluginIfInstalled,
} from "./protobuf-plugin.ts";

const saved = { ...process.env };
const dirs: string[] = [];
afterEach(() => {
  process.env = { ...saved };
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "faultline-plugin-"));
  dirs.push(d);
  return d;
}

describe("useProtobufPlugin", () => {
  it("points PACT_PLUGIN_DIR at the project's plugin folder when the plugin is there", () => {
    const dir = tmp();
    const home = path.join(dir, `protobuf-${protobufPluginVersion()}`);
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, "pact-plugin.json"), "{}");
    fs.writeFileSync(path.join(home, "pact-protobuf-plugin"), "");
    process.env.FAULTLINE_PACT_PLUGIN_DIR = dir;
    delete process.env.PACT_PLUGIN_DIR;
    const p = useProtobufPlugin();
    expect(p.dir).toBe(dir);
    expect(process.env.PACT_PLUGIN_DIR).toBe(dir);
    expect(p.executable).toBe(path.join(home, "pact-protobuf-plugin"));
  });

  it("refuses a missing plugin, naming the file and the command that builds it", () => {
    const dir = tmp();
    process.env.FAULTLINE_PACT_PLUGIN_DIR = dir;
    delete process.env.PACT_PLUGIN_DIR;
    expect(() => useProtobufPlugin()).toThrow(ConfigurationError);
    expect(() => useProtobufPlugin()).toThrow(
      new RegExp(
        `${dir}/protobuf-[^/]+/pact-plugin.json is missing.*bash tools/pact-protobuf-plugin/scripts/install.sh`,
      ),
    );
    expect(useProtobufPluginIfInstalled()).toBe(false);
    expect(process.env.PACT_PLUGIN_DIR).toBeUndefined();
  });
});

describe("pactUsesPlugins", () => {
  it("tells plugin pacts from plain ones", () => {
    const dir = tmp();
    const withPlugin = path.join(dir, "a.json");
    const plain = path.join(dir, "b.json");
    fs.writeFileSync(withPlugin, JSON.stringify({ metadata: { plugins: [{ name: "protobuf" }] } }));
    fs.writeFileSync(plain, JSON.stringify({ metadata: {} }));
    expect(pactUsesPlugins(withPlugin)).toBe(true);
    expect(pactUsesPlugins(plain)).toBe(false);
  });
});
