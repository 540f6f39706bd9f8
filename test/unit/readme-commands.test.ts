/** The README's command table lists every command and subcommand `faultline --help` shows. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";
import { commandNames, createProgram } from "../../src/cli/program.ts";

describe("README command table", () => {
  const readme = fs.readFileSync(path.join(projectRoot(), "README.md"), "utf8");
  const start = readme.indexOf("## Commands");
  const table = readme
    .slice(start, readme.indexOf("\n## ", start + 1))
    .split("\n")
    .filter((l) => l.startsWith("| `faultline"));

  it("has one row per command, each naming it first", () => {
    const names = commandNames(createProgram());
    expect(names.length).toBeGreaterThan(20);
    const missing = names.filter(
      (n) => !table.some((row) => new RegExp(`^\\| \`faultline ${n}(?=[ \`])`).test(row)),
    );
    expect(missing, "commands missing from the README's table (README.md, ## Commands)").toEqual([]);
  });
});
