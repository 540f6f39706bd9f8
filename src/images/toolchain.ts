import { execFile } from "node:child_process";
import { promisify } from "node:util";

// The tools faultline needs on the machine: Node runs it, Go, Java, Maven and debootstrap build its
// images (src/images/image-builder.ts), protoc compiles the gRPC contracts' .proto files for the
// Pact protobuf plugin. `faultline doctor` shows these checks beside the environment's.

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
    return (stdout || stderr).trim().split("\n")[0];
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
  {
    name: "debootstrap",
    cmd: "debootstrap",
    args: ["--version"],
    re: /(\d+)\.(\d+)/,
    min: [1, 0],
    fix: "apt-get install debootstrap",
  },
  {
    // The Pact protobuf plugin compiles the gRPC contracts' .proto files with it.
    name: "protoc",
    cmd: "protoc",
    args: ["--version"],
    re: /libprotoc (\d+)\.(\d+)/,
    min: [3, 12],
    fix: "apt-get install protobuf-compiler",
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
