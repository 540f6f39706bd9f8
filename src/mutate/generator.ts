/**
 * The mutant generator: tools/mutate (Go, go/ast + go/types), built from source and cached by
 * content (tools/mutate/scripts/install.sh), fed one JSON request, read as JSON lines.
 */
import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { projectRoot } from "../paths.ts";
import { MutantResult } from "../report/journal.ts";

const run = promisify(execFile);

/** One line of the generator: the mutant's fields as the journal keeps them, and the whole mutated file. */
export const Mutant = MutantResult.pick({
  id: true,
  service: true,
  operator: true,
  package: true,
  file: true,
  line: true,
  function: true,
  original: true,
  mutated: true,
  hint: true,
  diff: true,
}).extend({ type: z.literal("mutant"), content: z.string() });
export type Mutant = z.infer<typeof Mutant>;

const Summary = z.object({
  type: z.literal("summary"),
  packages: z.number(),
  files: z.number(),
  mutants: z.number(),
  discarded: z.number(),
  byOperator: z.record(z.string(), z.number()),
});
export type GeneratorSummary = z.infer<typeof Summary>;

export const OperatorDoc = z.object({ name: z.string(), doc: z.string(), example: z.string() });
export type OperatorDoc = z.infer<typeof OperatorDoc>;

export interface GenerateRequest {
  /** The copy of the target's Go module or workspace. */
  dir: string;
  packages: string[];
  tags?: string[];
  operators?: string[];
  exclude?: string[];
  service: string;
}

export class GeneratorError extends Error {
  constructor(
    message: string,
    /** The request itself was wrong (exit 2 of the tool). */
    readonly badInput: boolean,
  ) {
    super(message);
    this.name = "GeneratorError";
  }
}

let built: Promise<string> | undefined;

/** Builds tools/mutate when its source changed; returns the binary's path. */
export function generatorBinary(root = projectRoot()): Promise<string> {
  built ??= run("bash", [path.join(root, "tools", "mutate", "scripts", "install.sh")], {
    env: { ...process.env, GOFLAGS: "-buildvcs=false" },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    (r) => r.stdout.trim().split("\n").at(-1)!,
    (err: { stderr?: string; message: string }) => {
      built = undefined;
      throw new Error(`building tools/mutate failed: ${err.stderr?.trim() || err.message}`);
    },
  );
  return built;
}

/** The operators the generator knows, with their documentation. */
export async function listOperators(): Promise<OperatorDoc[]> {
  const bin = await generatorBinary();
  const r = await run(bin, ["-operators"], { maxBuffer: 4 * 1024 * 1024 });
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => OperatorDoc.parse(JSON.parse(l)));
}

/** Runs the generator over one service's packages. */
export async function generateMutants(
  req: GenerateRequest,
  signal?: AbortSignal,
): Promise<{ mutants: Mutant[]; summary: GeneratorSummary }> {
  const bin = await generatorBinary();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, GOFLAGS: "-buildvcs=false" },
      signal,
    });
    const mutants: Mutant[] = [];
    let summary: GeneratorSummary | undefined;
    let buf = "";
    let stderr = "";
    let bad: Error | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        try {
          const raw = JSON.parse(line) as { type?: string };
          if (raw.type === "mutant") mutants.push(Mutant.parse(raw));
          else if (raw.type === "summary") summary = Summary.parse(raw);
        } catch (e) {
          bad ??= new Error(`tools/mutate printed a line that is not a mutant: ${(e as Error).message}`);
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 && summary && !bad) return resolve({ mutants, summary });
      if (bad) return reject(bad);
      reject(
        new GeneratorError(
          `tools/mutate (${req.service}: ${req.packages.join(" ")}) exited ${code}: ${stderr.trim() || "no summary line"}`,
          code === 2,
        ),
      );
    });
    child.stdin.end(JSON.stringify(req));
  });
}
