import { Command, CommanderError } from "commander";
import { signalCleanup, sweepBeforeStart } from "../env/cleanup.ts";
import { registerBenchCommand } from "./bench.ts";
import { registerBrokerCommand } from "./broker.ts";
import { registerChaosCommands } from "./chaos.ts";
import { registerContractsCommands } from "./contracts.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerImagesCommand } from "./images.ts";
import { registerReportCommand } from "./report.ts";
import { registerLoadCommands } from "./load.ts";
import { registerRunCommand } from "./run.ts";
import { registerStackCommands } from "./stack.ts";
import { registerTraceCommand } from "./trace.ts";

const program = new Command();
program
  .name("faultline")
  .description(
    "Proves a microservice system keeps its promises: real containers, contracts, chaos, load, reports.",
  )
  .version("0.1.0")
  .showHelpAfterError()
  .exitOverride();

registerImagesCommand(program);
registerReportCommand(program);
registerDoctorCommand(program);
registerStackCommands(program);
registerRunCommand(program);
registerBenchCommand(program);
registerBrokerCommand(program);
registerContractsCommands(program);
registerChaosCommands(program);
registerTraceCommand(program);

// Commands that start containers first remove what dead runs left (a kill -9, a lost terminal).
const STARTS_CONTAINERS = new Set([
  "up",
  "run",
  "chaos run",
  "chaos verify-detection",
  "load run",
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
registerLoadCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // Interrupted: the failure is the interruption's doing; let its cleanup finish and set the exit code.
  await signalCleanup();
  process.stderr.write(`faultline: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
