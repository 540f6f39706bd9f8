import { defineLoadScenario } from "../../src/load/scenario.ts";

/** One product read from inventory's gRPC port (protobuf): the gRPC side of product-read-rest. */
export default defineLoadScenario({
  description: "inventory's product read over gRPC/protobuf",
  profile: "smoke",
  rate: 1,
  executor: { type: "constant-vus", vus: 8, duration: "15s" },
  protoRoot: "targets/shop/proto",
  protos: ["shop/inventory/v1/inventory.proto"],
  requests: [
    {
      name: "product_read",
      service: "inventory",
      grpc: { method: "shop.inventory.v1.InventoryService/GetProduct", data: { sku: "SKU-1" } },
    },
  ],
  thresholds: {},
});
