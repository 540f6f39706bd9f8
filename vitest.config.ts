import { defineConfig } from "vitest/config";
import ChaosFirstSequencer from "./test/sequencer.ts";

// Integration files at once: 2 by default (the chaos catalog beside everything else, see
// test/sequencer.ts); FAULTLINE_TEST_WORKERS=1 runs them one at a time.
const integrationWorkers = Number(process.env.FAULTLINE_TEST_WORKERS ?? 2);
if (!Number.isInteger(integrationWorkers) || integrationWorkers < 1)
  throw new Error(
    `FAULTLINE_TEST_WORKERS="${process.env.FAULTLINE_TEST_WORKERS}": a whole number of integration files at once, 1 or more (1 runs them one at a time; unset for 2)`,
  );

// Two projects: unit tests (no Docker) and integration suites (real containers). Both run in
// `npm test`. No retries anywhere: a retry would hide the flakiness the suites exist to find.
// Only the integration project has the global set-up (Docker check, sweep, leak check), so
// `npm run test:unit` runs without a Docker daemon.
export default defineConfig({
  test: {
    retry: 0,
    sequence: { sequencer: ChaosFirstSequencer },
    reporters: process.env.CI ? ["default", "junit"] : ["default"],
    outputFile: { junit: "reports/junit/vitest.xml" },
    env: {
      TESTCONTAINERS_RYUK_DISABLED: "true",
      // A local socket: the host is this machine (see bin/faultline.mjs).
      ...(process.env.DOCKER_HOST ? {} : { TESTCONTAINERS_HOST_OVERRIDE: "127.0.0.1" }),
      PACT_DO_NOT_TRACK: "true",
      SCARF_ANALYTICS: "false",
    },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts", "src/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: "integration",
          globalSetup: ["./test/global-setup.ts"],
          setupFiles: ["./test/worker-run-id.ts"],
          include: ["test/integration/**/*.test.ts", "suites/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Containers are heavy on two cores: at most two files at a time, each with its own
          // stack, and the unit project first (its own group).
          maxWorkers: integrationWorkers,
          fileParallelism: integrationWorkers > 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
