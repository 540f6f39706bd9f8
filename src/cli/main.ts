import { CommanderError } from "commander";
import { signalCleanup, sweepBeforeStart } from "../env/cleanup.ts";
import { watchParent } from "../env/parent-watch.ts";
import { createProgram } from "./program.ts";

// Started by a faultline process (the job behind `run --json`): end with it.
watchParent();

const program = createProgram();

// Commands that start containers first remove what dead runs left (a kill -9, a lost terminal);
// so does `down`, the command people reach for when something was left.
const STARTS_CONTAINERS = new Set([
  "up",
  "down",
  "run",
  "chaos run",
  "chaos verify-detection",
  "load run",
  "mutate",
  "bench",
  "bench stack",
  "bench services",
  "bench chaos",
  "bench footprint",
  "bench claims",
  "bench tracing",
]);
program.hook("preAction", async (_top, action) => {
  const name = [action.parent?.name() !== "faultline" ? action.parent?.name() : undefined, action.name()]
    .filter(Boolean)
    .join(" ");
  if (!STARTS_CONTAINERS.has(name)) return;
  await sweepBeforeStart((l) => process.stderr.write(`${l}\n`)).catch((err: unknown) => {
    process.stderr.write(`faultline: could not sweep leftovers of dead runs: ${(err as Error).message}\n`);
  });
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Interrupted: the failure is the interruption's doing; let its cleanup finish and set the exit code.
  await signalCleanup();
  process.stderr.write(`faultline: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
