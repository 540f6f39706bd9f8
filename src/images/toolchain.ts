import { execFile } from "node:child_process";
import { promisify } from "node:util";

// The tools faultline needs at a version: Node runs it, Go, Java and Maven build its images
// (src/images/image-builder.ts). The Debian packages it needs (debootstrap, Chromium, wrk, ...) are
// listed once in scripts/system-packages.tsv (src/env/system-packages.ts). No protoc: .proto files
// are compiled by tools/protogen and the Pact protobuf plugin themselves. `faultline doctor` shows
// these checks beside the environment's.

const run = promisify(execFile);

export interface ToolCheck {
  name: string;
  status: "ok" | "fail";
  detail: string;
  /** The command that fixes it, when something is wrong. */
  fix?: string;
}

export type CommandVersion = (cmd: string, args: string[]) => Promise<string | undefined>;

/** The first line a command prints for its version flag, or undefined when it is not installed. */
export async function commandVersion(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 15_000 });
    // Maven colours its banner even when not on a terminal: drop the escape sequences.
    return (stdout || stderr)
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
      .trim()
      .split("\n")[0];
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === "ENOENT") return undefined;
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim();
    return out ? out.split("\n")[0] : undefined;
  }
}

function versionAtLeast(text: string | undefined, re: RegExp, min: number[]): boolean {
  const m = text ? re.exec(text) : null;
  if (!m) return false;
  const parts = m.slice(1).map((x) => Number(x ?? 0));
  for (let i = 0; i < min.length; i++) {
    const a = parts[i] ?? 0;
    const b = min[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

interface ToolRequirement {
  name: string;
  cmd: string;
  args: string[];
  re: RegExp;
  min: number[];
  fix: string;
}

const TOOLS: ToolRequirement[] = [
  {
    name: "node",
    cmd: "node",
    args: ["--version"],
    re: /v(\d+)\.(\d+)/,
    min: [24, 0],
    fix: "run `npm run setup` (it installs Node 24 into node_modules/.bin, first in PATH for npm scripts and npx), or install Node.js 24",
  },
  {
    name: "go",
    cmd: "go",
    args: ["version"],
    re: /go(\d+)\.(\d+)/,
    min: [1, 23],
    fix: "install Go 1.23 or newer (Debian: apt-get install golang)",
  },
  {
    name: "java",
    cmd: "java",
    args: ["-version"],
    re: /version "(\d+)/,
    min: [17],
    fix: "apt-get install openjdk-17-jdk-headless",
  },
  {
    name: "maven",
    cmd: "mvn",
    args: ["--version"],
    re: /Maven (\d+)\.(\d+)/,
    min: [3, 6],
    fix: "apt-get install maven",
  },
];

/** Each tool: found and recent enough, or the command that installs it. */
export async function checkToolchain(version: CommandVersion = commandVersion): Promise<ToolCheck[]> {
  const checks: ToolCheck[] = [];
  for (const t of TOOLS) {
    const v = await version(t.cmd, t.args);
    if (v === undefined) {
      checks.push({ name: t.name, status: "fail", detail: `${t.cmd} not found`, fix: t.fix });
    } else if (!versionAtLeast(v, t.re, t.min)) {
      checks.push({
        name: t.name,
        status: "fail",
        detail: `${v} is older than ${t.min.join(".")}`,
        fix: t.fix,
      });
    } else {
      checks.push({ name: t.name, status: "ok", detail: v });
    }
  }
  return checks;
}
