/**
 * Provider harness of `inventory` (pacts/orders-inventory.json, gRPC): the real inventory
 * service of a running shop stack, verified over gRPC through faultline's protobuf plugin.
 * Each provider state resets inventory's database to the manifest's catalog, then seeds the
 * stock or the reservation it names.
 */
import { defineProviderHarness, type ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { RESERVATION_ID } from "../support/grpc-fixtures.ts";
import { grpcUnderTest, SHOP_PROTOS } from "./grpc-provider.ts";
import { ReservationData } from "./shop-data.ts";

export default defineProviderHarness({
  provider: "inventory",
  target: "shop",
  async setUp(stack, opts = {}): Promise<ProviderSetup> {
    const underTest = await grpcUnderTest(stack, "inventory", opts);
    const inventory = new ReservationData(stack);
    const stock = (sku: string, available: number) => async () => {
      await inventory.reset();
      await inventory.setStock(sku, available);
      return undefined;
    };
    const stop = async () => {
      await underTest.stop();
      await inventory[Symbol.asyncDispose]();
    };
    return {
      transports: [{ protocol: "grpc", port: underTest.port }],
      providerProtos: [opts.protos ?? SHOP_PROTOS],
      stateHandlers: {
        "product SKU-1 has 5 in stock": stock("SKU-1", 5),
        "product SKU-2 has 1 in stock": stock("SKU-2", 1),
        [`reservation ${RESERVATION_ID} holds 2 of SKU-1`]: async () => {
          await inventory.reset();
          await inventory.reserve(RESERVATION_ID, "SKU-1", 2);
          return undefined;
        },
      },
      [Symbol.asyncDispose]: stop,
    };
  },
});
