/**
 * The `--target` option every stack command shares. Its default is the project's only target
 * (the one folder under targets/ with a faultline.yaml); with several, or none, the option is
 * required, so no command names a target of its own.
 */
import fs from "node:fs";
import path from "node:path";
import { Option } from "commander";
import { projectRoot } from "../paths.ts";

/** The targets under targets/: folders holding a faultline.yaml. */
export function targetNames(root: string = projectRoot()): string[] {
  const dir = path.join(root, "targets");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, "faultline.yaml")))
    .map((d) => d.name)
    .sort();
}

export function targetOption(
  description = "target name under targets/ or a faultline.yaml",
  flags = "-t, --target <name|file>",
): Option {
  const option = new Option(flags, description);
  const targets = targetNames();
  return targets.length === 1 ? option.default(targets[0]) : option.makeOptionMandatory();
}
