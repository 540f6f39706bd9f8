import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/paths.ts";

// DESIGN.md: data flows one way. A value import that closes a circle among src/ files is refused
// (type-only imports are erased and do not count).
function graph(root: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) files.push(p);
    }
  };
  walk(root);
  const g = new Map<string, string[]>();
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const deps = [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) =>
      path.normalize(path.join(path.dirname(f), m[1]!)),
    );
    g.set(f, deps);
  }
  return g;
}

function cycles(g: Map<string, string[]>): string[] {
  const out = new Set<string>();
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (f: string) => {
    const at = stack.indexOf(f);
    if (at >= 0) {
      out.add([...stack.slice(at), f].map((x) => path.relative(projectRoot(), x)).join(" -> "));
      return;
    }
    if (done.has(f)) return;
    stack.push(f);
    for (const t of g.get(f) ?? []) visit(t);
    stack.pop();
    done.add(f);
  };
  for (const f of g.keys()) visit(f);
  return [...out];
}

describe("src/ has no import cycles", () => {
  it("finds a cycle when there is one", () => {
    const g = new Map([
      ["/a.ts", ["/b.ts"]],
      ["/b.ts", ["/a.ts"]],
    ]);
    expect(cycles(g)).toHaveLength(1);
  });
  it("src/ has none", () => {
    expect(cycles(graph(path.join(projectRoot(), "src")))).toEqual([]);
  });
});
