// A stand-in for a faultline run, for the cleanup tests: starts a network and a container with
// this run's labels, installs the cleanup handlers, says "ready", then waits to be signalled.
import { installCleanupHandlers } from "../../src/env/cleanup.ts";
import { createRunNetwork, managedToxiproxy } from "../../src/env/managed-container.ts";
import { runId } from "../../src/env/run-labels.ts";

installCleanupHandlers(runId());
const net = await createRunNetwork("cleanup-test");
await managedToxiproxy().withNetworkMode(net.name).start();
process.stdout.write(`ready ${runId()}\n`);
setInterval(() => {}, 1000);
