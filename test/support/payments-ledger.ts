// Payments' ledger, read through its public gRPC API.
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import path from "node:path";
import { projectRoot } from "../../src/paths.ts";

export interface Ledger {
  captured_cents: number;
  refunded_cents: number;
  charges: number;
  refunds: number;
}

export function paymentsLedger(grpcAddress: string): Promise<Ledger> {
  const protoDir = path.join(projectRoot(), "targets/shop/proto");
  const def = loadSync("shop/payments/v1/payments.proto", {
    includeDirs: [protoDir],
    keepCase: true,
    longs: Number,
    defaults: true,
  });
  const pkg = loadPackageDefinition(def) as unknown as {
    shop: { payments: { v1: { PaymentsService: ServiceClientConstructor } } };
  };
  const client = new pkg.shop.payments.v1.PaymentsService(grpcAddress, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.GetLedger!({}, { deadline: Date.now() + 5000 }, (err: Error | null, res: Ledger) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}
