/**
 * The protobuf plugin's gRPC mock server refuses a request that breaks the contract, and the
 * consumer test fails saying which field, what was expected and what came. Pacts of these
 * tests go to a temporary folder: a failing interaction is never written.
 */
import fs from "node:fs";
import path from "node:path";
import { PactV4 } from "@pact-foundation/pact";
import { afterAll, describe, expect, it } from "vitest";
import { Timings } from "../../src/contracts/timings.ts";
import { reportsDir } from "../../src/paths.ts";
import { grpcInteraction, rejectionOf } from "./support/grpc-consumer.ts";
import { GrpcStatusError, protoFile } from "./support/shop-grpc.ts";

fs.mkdirSync(reportsDir(), { recursive: true });
const dir = fs.mkdtempSync(path.join(reportsDir(), "tmp-grpc-mock-"));
const timings = new Timings("grpc-mock-server");
const pact = new PactV4({ consumer: "mock-test", provider: "inventory", dir, logLevel: "error" });
const RESERVE = {
  description: "a request to reserve 2 of SKU-1",
  states: [],
  proto: protoFile("inventory"),
  method: "InventoryService/Reserve",
  request: {
    reservation_id: "matching(regex, '^res-[0-9]+$', 'res-1')",
    lines: [{ sku: "SKU-1", quantity: 2 }],
  },
  response: { reservation_id: "res-1" },
};

describe("the gRPC mock server names what does not match", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a request with a wrong quantity and a malformed id fails the test, naming both fields", async () => {
    let callError: unknown;
    const outcome = await rejectionOf(
      grpcInteraction(pact, timings, "shop.inventory.v1.InventoryService", RESERVE, async (inventory) => {
        callError = await rejectionOf(
          inventory.call("Reserve", { reservation_id: "RES-X", lines: [{ sku: "SKU-1", quantity: 3 }] }),
        );
      }),
    );
    // The client got an error from the mock server, with the mismatches ...
    expect(callError).toBeInstanceOf(GrpcStatusError);
    expect((callError as GrpcStatusError).details).toMatch(/\$\.lines\[0\]\.quantity: expected 2, actual 3/);
    // ... and the test itself fails with Pact's report of them.
    expect(outcome).toBeInstanceOf(Error);
    const message = (outcome as Error).message;
    expect(message).toMatch(/\$\.lines\[0\]\.quantity: expected 2, actual 3/);
    expect(message).toMatch(
      /\$\.reservation_id: expected a value matching regex "\^res-\[0-9\]\+\$" \(example "res-1"\), actual "RES-X"/,
    );
    expect(fs.existsSync(path.join(dir, "mock-test-inventory.json"))).toBe(false);
  });

  it("a request that never comes fails the test", async () => {
    const outcome = await rejectionOf(
      grpcInteraction(pact, timings, "shop.inventory.v1.InventoryService", RESERVE, async () => undefined),
    );
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(
      /Did not receive any requests for \/shop\.inventory\.v1\.InventoryService\/Reserve/,
    );
  });
});
