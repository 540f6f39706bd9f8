#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

// Testcontainers' Ryuk reaper cannot be built from the package registries: faultline cleans up
// itself. With a local Docker socket the host is this machine; without the override,
// Testcontainers (seeing /.dockerenv) would start a helper container from a pulled image to guess it.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
// Published ports listen on loopback only (src/env/bind-host.ts), so the host is 127.0.0.1.
if (!process.env.DOCKER_HOST) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
process.env.PACT_DO_NOT_TRACK ??= "true";
process.env.SCARF_ANALYTICS ??= "false";

register();
await import("../src/cli/main.ts");
