import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * scripts/system-packages.tsv: the one list of Debian packages faultline needs on the machine.
 * scripts/setup.sh installs each row whose check is missing; `faultline doctor` checks each.
 */
export interface SystemPackage {
  /** Debian package name. */
  pkg: string;
  /** A command found on PATH, or an absolute path that must exist. */
  check: string;
  neededFor: string;
  line: number;
}

export function systemPackagesFile(root: string): string {
  return path.join(root, "scripts", "system-packages.tsv");
}

/** Parses the list; a malformed row is an error naming the file, the line and the fix. */
export function parseSystemPackages(text: string, file = "scripts/system-packages.tsv"): SystemPackage[] {
  const out: SystemPackage[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (!line.trim() || line.startsWith("#")) return;
    const cols = line.split("\t");
    const [pkg, check, neededFor] = cols.map((c) => c.trim());
    if (cols.length !== 3 || !pkg || !check || !neededFor)
      throw new Error(
        `${file}:${i + 1}: expected 3 tab-separated fields (debian-package, check, needed-for), got ${cols.length}: ${JSON.stringify(line)}. Fix: separate the fields with one tab each`,
      );
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pkg))
      throw new Error(`${file}:${i + 1}: "${pkg}" is not a Debian package name (lower case, digits, + . -)`);
    out.push({ pkg, check, neededFor, line: i + 1 });
  });
  return out;
}

export function readSystemPackages(root: string): SystemPackage[] {
  const file = systemPackagesFile(root);
  return parseSystemPackages(readFileSync(file, "utf8"), path.relative(root, file));
}

/** Where a row's check is found: the path, the command's place on PATH, or undefined. */
export function findCheck(check: string, envPath = process.env.PATH ?? ""): string | undefined {
  if (path.isAbsolute(check)) return existsSync(check) ? check : undefined;
  // Set-up runs as root with the sbin folders on PATH; look there too, as `command -v` would for root.
  const dirs = [...envPath.split(path.delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, check);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
