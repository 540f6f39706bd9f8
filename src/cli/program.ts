/** The `faultline` command and every command under it: one file per command registers itself here. */
import { Command } from "commander";
import { registerBenchCommand } from "./bench.ts";
import { registerBrokerCommand } from "./broker.ts";
import { registerChaosCommands } from "./chaos.ts";
import { registerClusterCommands } from "./cluster.ts";
import { registerTraceCommand } from "./trace.ts";
import { registerContractsCommands } from "./contracts.ts";
import { registerDoctorCommand } from "./doctor.ts";
import { registerImagesCommand } from "./images.ts";
import { registerLoadCommands } from "./load.ts";
import { registerMutateCommand } from "./mutate.ts";
import { registerReportCommand } from "./report.ts";
import { registerRunCommand } from "./run.ts";
import { registerStackCommands } from "./stack.ts";

export function createProgram(): Command {
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
  registerLoadCommands(program);
  registerMutateCommand(program);
  registerClusterCommands(program);
  return program;
}

/** Every command's name as typed, e.g. "images build"; a command with subcommands is listed too. */
export function commandNames(program: Command): string[] {
  const names: string[] = [];
  const walk = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      const name = [...prefix, sub.name()];
      names.push(name.join(" "));
      walk(sub, name);
    }
  };
  walk(program, []);
  return names;
}
