import { Command, CommanderError } from "commander";
import { signalCleanup } from "../env/cleanup.ts";
import { registerBenchCommand } from "./bench.ts";
import { registerBrokerCommand } from "./broker.ts";
import { registerContractsCommands } from "./contracts.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerImagesCommand } from "./images.ts";
import { registerLoadCommands } from "./load.ts";
import { registerRunCommand } from "./run.ts";
import { registerStackCommands } from "./stack.ts";

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
registerDoctorCommand(program);
registerStackCommands(program);
registerRunCommand(program);
registerBenchCommand(program);
registerBrokerCommand(program);
registerContractsCommands(program);
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
