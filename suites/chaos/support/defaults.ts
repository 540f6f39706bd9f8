/**
 * The shop's kit for the manifest-driven default scenarios (src/chaos/defaults.ts): the chaos
 * product seeded, the shop's steady state, orders and product reads through the gateway as the
 * workload, the shop's invariants, and the switch each generated scenario must catch.
 */
import { defineDefaults } from "../../../src/chaos/defaults.ts";
import {
  ENTRY_POINT,
  placeOrdersAndReadProducts,
  seedStock,
  shopInvariants,
  shopSteadyState,
  STOCK_VS_ORDERS,
} from "./shop.ts";

export default defineDefaults({
  setup: seedStock,
  steadyState: shopSteadyState,
  workload: placeOrdersAndReadProducts({ rate: 4 }),
  invariants: shopInvariants(45),
  catches: {
    // gateway->orders hung: a gateway that does not bound its wait holds every client
    "default-edge-hangs": { "slow-gateway-deadline": ENTRY_POINT },
    // inventory killed and restarted: a restart that gives stock back
    "default-container-kills": { "restart-restocks": STOCK_VS_ORDERS },
  },
});
