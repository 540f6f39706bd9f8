import { orderScenario, EVENTS_ONCE } from "./support/shop.ts";

// Found by `faultline mutate` (docs/mutate.md): with a record marked for the offset commit before
// it was stored (offset-commit-early), every scenario held; none stopped the consumer while a
// record could not be stored.
export default orderScenario({
  title: "Notifications stopped while its database is cut: no event is committed unstored",
  description:
    "notifications->postgres is cut while events flow, so notifications keeps retrying the records it fetched; then notifications is stopped (SIGTERM: a graceful stop). The records it could not store must not have their offsets committed: after the cut heals and notifications starts again, its group redelivers them and every order event is handled exactly once.",
  tags: ["kafka", "at-least-once", "partition", "notifications"],
  // drop-on-store-error: the events notifications cannot store while its database is cut are
  // given up and their offsets committed, so they are never handled.
  catches: { "drop-on-store-error": EVENTS_ONCE },
  orders: { rate: 3 },
  method: [
    { kind: "wait", seconds: 3 },
    { kind: "fault", name: "notifications-db-cut", fault: { type: "cut", edge: "notifications->postgres" } },
    // Events keep coming: the fetched ones cannot be stored and are retried with backoff.
    { kind: "wait", seconds: 5 },
    {
      kind: "fault",
      name: "notifications-stopped",
      fault: { type: "container", target: "notifications", action: "stop" },
    },
    { kind: "heal", fault: "notifications-db-cut" },
    { kind: "heal", fault: "notifications-stopped" },
    { kind: "wait", seconds: 3 },
  ],
  settleS: 60,
  timeoutS: 180,
});
