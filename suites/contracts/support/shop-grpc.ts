/**
 * The shop's internal gRPC edges as their callers use them, for consumer tests: a client of
 * one service, built from the shop's own .proto files with @grpc/proto-loader, sending the
 * fields the Go callers send (targets/shop/<caller>/internal/adapters/*_grpc_client.go).
 */
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { projectRoot } from "../../../src/paths.ts";

export const SHOP_PROTO_ROOT = path.join(projectRoot(), "targets", "shop", "proto");

/** The .proto file of a shop service, e.g. protoFile("orders") -> .../shop/orders/v1/orders.proto. */
export function protoFile(service: "orders" | "payments" | "inventory"): string {
  return path.join(SHOP_PROTO_ROOT, "shop", service, "v1", `${service}.proto`);
}

/** A unary call failed with a gRPC status. */
export class GrpcStatusError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${method} failed: ${grpc.status[code]} (${code}): ${details}`);
  }
}

type Unary = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

/** A client of `service` (e.g. "shop.orders.v1.OrdersService") at host:port. */
export class ShopGrpcClient {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(
    file: string,
    service: string,
    address: string,
    private readonly deadlineMs = 5000,
  ) {
    const def = protoLoader.loadSync(file, {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      // The well-known types (google/protobuf/timestamp.proto) come with proto-loader itself.
      includeDirs: [path.dirname(file)],
    });
    const pkg = grpc.loadPackageDefinition(def);
    const ctor = service.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], pkg) as
      grpc.ServiceClientConstructor | undefined;
    if (!ctor) throw new Error(`No service ${service} in ${file}`);
    this.client = new ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client &
      Record<string, Unary>;
  }

  /** Calls `method` with `req`; resolves with the response, rejects with GrpcStatusError. */
  call<T = Record<string, unknown>>(
    method: string,
    req: unknown,
    metadata: Record<string, string> = {},
  ): Promise<T> {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    const fn = this.client[method];
    if (typeof fn !== "function") return Promise.reject(new Error(`No method ${method}`));
    return new Promise((resolve, reject) => {
      fn.call(this.client, req, md, { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) reject(new GrpcStatusError(method, err.code, err.details));
        else resolve(res as T);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
