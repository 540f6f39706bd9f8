import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * The Debian archive this machine's apt already uses, so debootstrap fetches from the same place.
 * FAULTLINE_DEBIAN_MIRROR overrides it. Reads deb822 `.sources` files and one-line `sources.list`.
 */
export async function debianMirror(suite: string, aptDir = "/etc/apt"): Promise<string> {
  const override = process.env.FAULTLINE_DEBIAN_MIRROR;
  if (override) return override;
  const texts: string[] = [];
  const listDir = path.join(aptDir, "sources.list.d");
  try {
    for (const f of (await readdir(listDir)).sort()) {
      if (f.endsWith(".sources") || f.endsWith(".list"))
        texts.push(await readFile(path.join(listDir, f), "utf8"));
    }
  } catch {
    // no sources.list.d
  }
  try {
    texts.push(await readFile(path.join(aptDir, "sources.list"), "utf8"));
  } catch {
    // no sources.list
  }
  for (const text of texts) {
    const found = mirrorFromSources(text, suite);
    if (found) return found;
  }
  throw new Error(
    `No Debian archive serving "${suite} main" found in ${aptDir}/sources.list or ${listDir}/*.sources.\n` +
      `  Fix: set FAULTLINE_DEBIAN_MIRROR to the archive's URL (the one apt-get uses).`,
  );
}

/** Picks the URI of the first stanza or line that serves `suite` with component `main`. */
export function mirrorFromSources(text: string, suite: string): string | undefined {
  // deb822 stanzas
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string) =>
      stanza
        .split("\n")
        .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        ?.slice(name.length + 1)
        .trim();
    const types = field("Types");
    const uris = field("URIs");
    const suites = field("Suites")?.split(/\s+/) ?? [];
    const comps = field("Components")?.split(/\s+/) ?? [];
    if (types?.split(/\s+/).includes("deb") && uris && suites.includes(suite) && comps.includes("main")) {
      return uris.split(/\s+/)[0];
    }
  }
  // one-line format: deb [opts] uri suite components...
  for (const line of text.split("\n")) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && m[2] === suite && m[3]!.split(/\s+/).includes("main")) return m[1];
  }
  return undefined;
}
