/**
 * A gRPC consumer interaction as the official protobuf plugin's users write it
 * (addSynchronousInteraction -> usingPlugin -> withPluginContents -> startTransport), with the
 * caller's client opened on the mock server's port and closed after the test.
 */
import type { PactV4 } from "@pact-foundation/pact";
import { useProtobufPlugin } from "../../../src/contracts/protobuf-plugin.ts";
import type { Timings } from "../../../src/contracts/timings.ts";
import { ShopGrpcClient } from "./shop-grpc.ts";

export interface GrpcInteraction {
  description: string;
  states: string[];
  proto: string;
  /** Service/Method, e.g. "PaymentsService/Charge". */
  method: string;
  request: Record<string, unknown>;
  response?: Record<string, unknown>;
  responseMetadata?: Record<string, string>;
}

/** Runs one interaction; `test` gets a client of `service` connected to the mock server. */
export async function grpcInteraction(
  pact: PactV4,
  timings: Timings,
  service: string,
  i: GrpcInteraction,
  test: (client: ShopGrpcClient) => Promise<void>,
): Promise<void> {
  const { version } = useProtobufPlugin();
  let builder = pact.addSynchronousInteraction(i.description);
  for (const s of i.states) builder = builder.given(s);
  // Timed whole: plugin start, configuration (proto compile), mock server, the call, the pact write.
  const t0 = performance.now();
  await builder
    .usingPlugin({ plugin: "protobuf", version })
    .withPluginContents(
      JSON.stringify({
        "pact:proto": i.proto,
        "pact:proto-service": i.method,
        "pact:content-type": "application/protobuf",
        request: i.request,
        ...(i.response ? { response: i.response } : {}),
        ...(i.responseMetadata ? { responseMetadata: i.responseMetadata } : {}),
      }),
      "application/grpc",
    )
    .startTransport("grpc", "127.0.0.1")
    .executeTest(async (tc) => {
      const client = new ShopGrpcClient(i.proto, service, `127.0.0.1:${tc.port}`);
      try {
        await test(client);
      } finally {
        client.close();
      }
    });
  timings.add(
    "consumer interaction (plugin start, proto compile, mock server, call, pact write)",
    performance.now() - t0,
  );
}

/** The rejection of `p`, or undefined when it resolves. */
export function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}
