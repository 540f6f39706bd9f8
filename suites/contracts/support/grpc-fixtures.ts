/**
 * The fixed IDs the gRPC pacts use, shared by the consumer tests (in requests and provider
 * states) and the provider harnesses (which seed them).
 */
/** A confirmed order of 2 x SKU-1 by c-1 (gateway -> orders). */
export const CONFIRMED_ORDER_ID = "5e0c2f4a-8d1b-4c3e-9a7f-000000000001";
/** An order ID nobody ever creates (gateway -> orders, NOT_FOUND). */
export const MISSING_ORDER_ID = "00000000-0000-4000-8000-000000000404";
/** The order orders charges and refunds (orders -> payments). */
export const CHARGED_ORDER_ID = "7c9e6679-7425-40de-944b-000000000002";
/** A captured payment of 5000 EUR for CHARGED_ORDER_ID (orders -> payments). */
export const CAPTURED_PAYMENT_ID = "3a0b8f1e-5c2d-4e6f-8a9b-000000000003";
/** A reservation (orders -> inventory; orders uses the order ID). */
export const RESERVATION_ID = "9f8e7d6c-5b4a-4392-8170-000000000004";
/** A lowercase UUID, as the shop's IDs are. */
export const UUID_REGEX = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
