/**
 * Runs `broker ...` through src/cli/broker.ts in a process of its own, so tests can exercise the
 * real command (printing its URL, SIGTERM, SIGKILL) without depending on the CLI entry's wiring.
 *
 *   node --import tsx test/support/broker-cli-child.ts broker start --port 0 --data-dir <dir>
 */
import { Command } from "commander";
import { registerBrokerCommand } from "../../src/cli/broker.ts";

const program = new Command().name("faultline").exitOverride();
registerBrokerCommand(program);
await program.parseAsync(process.argv);
