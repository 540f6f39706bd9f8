/**
 * Provider harness of `payments` (pacts/orders-payments.json, gRPC): the real payments
 * service of a running shop stack, verified over gRPC through faultline's protobuf plugin.
 * Each provider state resets payments' database, then seeds the payment it names.
 * With providerEnv (e.g. a sabotage switch) or an image (a payments built from a modified
 * proto) a second payments instance is started and verified instead of the stack's own.
 */
import { defineProviderHarness, type ProviderSetup } from "../../../src/contracts/provider-harness.ts";
import { CAPTURED_PAYMENT_ID, CHARGED_ORDER_ID } from "../support/grpc-fixtures.ts";
import { grpcUnderTest, SHOP_PROTOS } from "./grpc-provider.ts";
import { PaymentsData } from "./shop-data.ts";

export default defineProviderHarness({
  provider: "payments",
  target: "shop",
  async setUp(stack, opts = {}): Promise<ProviderSetup> {
    const underTest = await grpcUnderTest(stack, "payments", opts);
    const payments = new PaymentsData(stack);
    const stop = async () => {
      await underTest.stop();
      await payments[Symbol.asyncDispose]();
    };
    return {
      transports: [{ protocol: "grpc", port: underTest.port }],
      providerProtos: [opts.protos ?? SHOP_PROTOS],
      stateHandlers: {
        [`no payment was taken for order ${CHARGED_ORDER_ID}`]: async () => {
          await payments.reset();
          return undefined;
        },
        [`payment ${CAPTURED_PAYMENT_ID} of 5000 EUR for order ${CHARGED_ORDER_ID} was captured`]:
          async () => {
            await payments.reset();
            await payments.captured(CAPTURED_PAYMENT_ID, CHARGED_ORDER_ID, 5000);
            return undefined;
          },
      },
      [Symbol.asyncDispose]: stop,
    };
  },
});
