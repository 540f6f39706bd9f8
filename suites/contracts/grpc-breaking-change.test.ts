/**
 * A breaking proto change in a gRPC provider is caught before deploy: payments is rebuilt
 * from a modified payments.proto (Payment.id renumbered 1 -> 16, Payment.status renamed
 * state, ChargeRequest.amount_cents retyped int64 -> sfixed64; the Go code compiles
 * unchanged except for the rename), started beside the real stack, and verified against
 * the unchanged pacts/orders-payments.json. Verification must fail naming each field.
 * The pact is not edited: only the provider changed.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerificationError } from "../../src/contracts/errors.ts";
import type { ProviderSetup } from "../../src/contracts/provider-harness.ts";
import { verifyProvider } from "../../src/contracts/verify.ts";
import { loadManifest } from "../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { projectRoot } from "../../src/paths.ts";
import payments from "./providers/payments.ts";
import { buildFromModifiedProto, type ModifiedProvider } from "./support/modified-provider.ts";

const PACT = path.join(projectRoot(), "pacts", "orders-payments.json");
const PROTO = "proto/shop/payments/v1/payments.proto";

describe("a renamed, renumbered or retyped field in payments' proto fails verification, naming the field", () => {
  let stack: StartedStack;
  let modified: ModifiedProvider;
  let setup: ProviderSetup;

  beforeAll(async () => {
    if (!fs.existsSync(PACT)) throw new Error(`${PACT} is missing: run the consumer test first`);
    modified = await buildFromModifiedProto("payments", "pact-breaking-change", [
      {
        file: PROTO,
        from: "string id = 1;\n  string order_id = 2;",
        to: "string id = 16;\n  string order_id = 2;",
      },
      { file: PROTO, from: "PaymentStatus status = 5;", to: "PaymentStatus state = 5;" },
      {
        file: PROTO,
        from: "string idempotency_key = 1;\n  string order_id = 2;\n  int64 amount_cents = 3;",
        to: "string idempotency_key = 1;\n  string order_id = 2;\n  sfixed64 amount_cents = 3;",
      },
      // The rename is the only change the Go code has to follow.
      { file: "payments/internal/ports/grpc.go", from: "Status:      st,", to: "State:       st," },
    ]);
    stack = await new Environment(await loadManifest("shop", projectRoot())).start();
    setup = await payments.setUp(stack, { image: modified.image, protos: modified.protos });
  });
  afterAll(async () => {
    await setup?.[Symbol.asyncDispose]();
    await stack?.stop();
    await modified?.[Symbol.asyncDispose]();
  });

  it("the unchanged pact fails against the rebuilt payments, and each mismatch names its field", async () => {
    const err = await verifyProvider({
      provider: "payments",
      source: { kind: "files", pacts: [PACT] },
      transports: setup.transports!,
      providerProtos: setup.providerProtos!,
      stateHandlers: setup.stateHandlers!,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VerificationError);
    const failures = (err as VerificationError).failures;
    console.log(`what the payments team sees:\n${(err as VerificationError).message}`);
    const byDescription = Object.fromEntries(failures.map((f) => [f.description, f.mismatches.join("\n")]));
    expect(Object.keys(byDescription).sort()).toEqual([
      "a request to charge 5000 EUR for an order",
      "a request to charge more than the decline limit",
      "a request to refund a captured payment",
    ]);
    const charge = byDescription["a request to charge 5000 EUR for an order"]!;
    // retyped: the amount orders sends decodes as 0 on the provider's side, which refuses it ...
    expect(charge).toMatch(
      /grpc-status: expected a shop\.payments\.v1\.ChargeResponse message, but the provider answered gRPC status INVALID_ARGUMENT/,
    );
    // ... and the schema check names the field
    expect(charge).toMatch(
      /request \$\.amount_cents \(shop\.payments\.v1\.ChargeRequest\): field amount_cents is int64 in the pact but sfixed64 in the provider's proto \(type changed\)/,
    );
    expect(charge).toMatch(/field id is number 1 in the pact but 16 in the provider's proto \(renumbered\)/);
    const declined = byDescription["a request to charge more than the decline limit"]!;
    expect(declined).toMatch(/gRPC status: expected FAILED_PRECONDITION, actual INVALID_ARGUMENT/);
    const refund = byDescription["a request to refund a captured payment"]!;
    // renumbered: seen on the wire (the field is missing, an unknown number came instead) and in the schema
    expect(refund).toMatch(
      /\$\.payment\.id: expected field id \(number 1, string\) = "3a0b8f1e-[^"]+", but it is missing/,
    );
    expect(refund).toMatch(/field number\(s\) 16 \(wire type length-delimited\) .* was id renumbered\?/);
    // renamed: wire-compatible, so only the schema check can name it
    expect(refund).toMatch(/field status \(number 5\) is renamed state in the provider's proto/);
  });
});
