/**
 * faultline's Pact protobuf plugin (tools/pact-protobuf-plugin): where it is installed and how
 * Pact finds it. The Pact plugin driver loads `$PACT_PLUGIN_DIR/protobuf-<version>/pact-plugin.json`
 * and downloads a plugin only when none matches, so every consumer test and verification
 * points PACT_PLUGIN_DIR at the project's own folder, filled by the set-up (built from source,
 * never downloaded).
 */
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../paths.ts";
import { ConfigurationError } from "./errors.ts";

export const PROTOBUF_PLUGIN = "protobuf";

/** The plugin's source folder and its manifest template. */
export function protobufPluginSource(root = projectRoot()): string {
  return path.join(root, "tools", "pact-protobuf-plugin");
}

/** The version the plugin registers (its pact-plugin.json): consumers ask for it in usingPlugin(). */
export function protobufPluginVersion(root = projectRoot()): string {
  const manifest = path.join(protobufPluginSource(root), "pact-plugin.json");
  const v = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version?: unknown }).version;
  if (typeof v !== "string" || !v) throw new ConfigurationError(`${manifest} has no "version"`);
  return v;
}

/** The project-local plugin folder (FAULTLINE_PACT_PLUGIN_DIR overrides). */
export function projectPluginDir(root = projectRoot()): string {
  return process.env.FAULTLINE_PACT_PLUGIN_DIR ?? path.join(root, ".cache", "pact-plugins");
}

export interface InstalledPlugin {
  dir: string;
  version: string;
  executable: string;
}

/**
 * Points PACT_PLUGIN_DIR at the project's plugin folder after checking that the protobuf
 * plugin is installed there. Missing: a ConfigurationError that says how to build it, so
 * the plugin driver never goes looking on the network.
 */
export function useProtobufPlugin(root = projectRoot()): InstalledPlugin {
  const dir = projectPluginDir(root);
  const version = protobufPluginVersion(root);
  const home = path.join(dir, `${PROTOBUF_PLUGIN}-${version}`);
  const manifest = path.join(home, "pact-plugin.json");
  const executable = path.join(home, "pact-protobuf-plugin");
  for (const f of [manifest, executable]) {
    if (!fs.existsSync(f))
      throw new ConfigurationError(
        `The Pact protobuf plugin ${version} is not installed: ${f} is missing. ` +
          `Build it from source with: bash tools/pact-protobuf-plugin/scripts/install.sh ${dir} (npm run setup does it too). ` +
          `Without it the Pact plugin driver would try to download a plugin.`,
      );
  }
  process.env.PACT_PLUGIN_DIR = dir;
  process.env.PACT_DO_NOT_TRACK ??= "true";
  return { dir, version, executable };
}

/** useProtobufPlugin() when the plugin is installed; false (and PACT_PLUGIN_DIR untouched) when not. */
export function useProtobufPluginIfInstalled(root = projectRoot()): boolean {
  try {
    useProtobufPlugin(root);
    return true;
  } catch (err) {
    if (err instanceof ConfigurationError) return false;
    throw err;
  }
}

/** Whether a pact file's interactions need a plugin (metadata.plugins is not empty). */
export function pactUsesPlugins(file: string): boolean {
  try {
    const pact = JSON.parse(fs.readFileSync(file, "utf8")) as { metadata?: { plugins?: unknown[] } };
    return (pact.metadata?.plugins?.length ?? 0) > 0;
  } catch {
    return false;
  }
}
