import { spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";

/** A build step failed: names the image, the step and where the full log is. */
export class BuildStepError extends Error {
  constructor(
    readonly image: string,
    readonly step: string,
    readonly logFile: string,
    detail: string,
  ) {
    super(`Image ${image}: step "${step}" failed (${detail}). Full log: ${logFile}`);
    this.name = "BuildStepError";
  }
}

export interface StepOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes written to the command's standard input. */
  input?: string;
}

/** Runs the shell steps of one image build, appending every step's output to one log file. */
export class StepRunner {
  private log: WriteStream | undefined;

  constructor(
    readonly image: string,
    readonly logFile: string,
    private readonly onStep: (image: string, step: string) => void = () => {},
  ) {}

  async open(): Promise<void> {
    await mkdir(path.dirname(this.logFile), { recursive: true });
    this.log = createWriteStream(this.logFile, { flags: "w" });
  }

  async close(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** Runs `command args...` (no shell), or `bash -c script` when `args` is omitted. */
  async run(step: string, command: string, args?: string[], opts: StepOptions = {}): Promise<void> {
    this.onStep(this.image, step);
    const argv = args ?? ["-c", command];
    const bin = args ? command : "bash";
    this.write(
      `\n### ${new Date().toISOString()} ${step}\n$ ${args ? [command, ...args].join(" ") : command}\n`,
    );
    const started = Date.now();
    const code = await new Promise<number | string>((resolve) => {
      const child = spawn(bin, argv, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d: Buffer) => this.write(d));
      child.stderr?.on("data", (d: Buffer) => this.write(d));
      if (opts.input !== undefined && child.stdin) child.stdin.end(opts.input);
      child.on("error", (err) => resolve(`could not start ${bin}: ${err.message}`));
      child.on("close", (c, signal) => resolve(c ?? `killed by ${signal}`));
    });
    this.write(`### ${step}: ${code === 0 ? "ok" : `failed (${code})`} in ${Date.now() - started} ms\n`);
    if (code !== 0) {
      await this.close();
      const tail = await this.tail(15);
      throw new BuildStepError(
        this.image,
        step,
        this.logFile,
        `${typeof code === "number" ? `exit ${code}` : code}; last lines:\n${tail}`,
      );
    }
  }

  private write(chunk: string | Buffer): void {
    this.log?.write(chunk);
  }

  private async tail(n: number): Promise<string> {
    try {
      const text = await readFile(this.logFile, "utf8");
      return text
        .trimEnd()
        .split("\n")
        .slice(-n)
        .map((l) => `    ${l}`)
        .join("\n");
    } catch {
      return "    (log unreadable)";
    }
  }
}
