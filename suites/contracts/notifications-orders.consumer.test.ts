/**
 * Consumer contract: notifications consumes the order events orders publishes to Kafka
 * (asynchronous message pact, pacts/notifications-orders.json, V4). The message's metadata
 * (topic, key, event-id, event-type, content-type headers) is part of the contract.
 *
 * The consumer under test is the REAL notifications service: each expected message, as Pact
 * reifies it from the contract, is produced to the topic with kafkajs, and the test then asks
 * notifications' API (GET /v1/notifications?order_id=) whether it handled it. Only the fields
 * notifications reads (targets/shop/notifications/internal/ports/kafka_consumer.go) are asserted.
 *
 * All interactions of this pact live in this one file (pact-js #599).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureTopic, KafkaMessageProducer } from "../../src/contracts/kafka-events.ts";
import { Timings } from "../../src/contracts/timings.ts";
import { loadManifest } from "../../src/env/manifest.ts";
import { Environment, type StartedStack } from "../../src/env/stack.ts";
import { projectRoot } from "../../src/paths.ts";

const { regex, string, uuid } = MatchersV3;

const TOPIC = "shop.orders.events";
const PACT_DIR = path.join(projectRoot(), "pacts");
const PACT_FILE = path.join(PACT_DIR, "notifications-orders.json");
const RFC3339 = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$";

/** The message Pact hands the test: the contract's example, reified. */
interface ReifiedMessage {
  contents: { content: unknown };
  metadata: unknown;
}

interface Notification {
  order_id: string;
  event_id: string;
  event_type: string;
  message: string;
}

/** One order event as the contract describes it. */
function orderEvent(type: string, ids: { order: string; event: string }, reason: string) {
  return {
    metadata: {
      topic: TOPIC,
      key: uuid(ids.order),
      "event-id": uuid(ids.event),
      "event-type": type,
      "content-type": "application/json",
    },
    content: {
      event_id: uuid(ids.event),
      type,
      occurred_at: regex(RFC3339, "2026-11-25T02:16:27.123Z"),
      order: { id: uuid(ids.order), cancellation_reason: string(reason) },
    },
  };
}

const CASES = [
  {
    state: "an order for 1 of SKU-1 was placed",
    description: "an order.created event",
    type: "order.created",
    ids: { order: "7d1c5e2a-0b4f-4c36-9a8e-1f2d3c4b5a60", event: "a1e2c3d4-5b6a-4789-8c0d-1e2f3a4b5c61" },
    reason: "",
    says: /We received your order/,
  },
  {
    state: "an order for 1 of SKU-1 was confirmed",
    description: "an order.confirmed event",
    type: "order.confirmed",
    ids: { order: "7d1c5e2a-0b4f-4c36-9a8e-1f2d3c4b5a62", event: "a1e2c3d4-5b6a-4789-8c0d-1e2f3a4b5c63" },
    reason: "",
    says: /is confirmed/,
  },
  {
    state: "an order for 1 of SKU-3 was cancelled because its payment was declined",
    description: "an order.cancelled event with the reason",
    type: "order.cancelled",
    ids: { order: "7d1c5e2a-0b4f-4c36-9a8e-1f2d3c4b5a64", event: "a1e2c3d4-5b6a-4789-8c0d-1e2f3a4b5c65" },
    reason: "payment declined",
    says: /was cancelled: payment declined/,
  },
] as const;

const timings = new Timings("notifications-orders.consumer");

describe("notifications <- orders (Kafka message consumer contract, real notifications service)", () => {
  let stack: StartedStack;
  let producer: KafkaMessageProducer;
  let db: pg.Pool;

  /** Notifications' own record of what it handled, through its public API. */
  async function notificationsOf(orderId: string): Promise<Notification[]> {
    const res = await fetch(
      `${stack.url("notifications")}/v1/notifications?order_id=${encodeURIComponent(orderId)}`,
    );
    if (res.status !== 200) throw new Error(`GET /v1/notifications: HTTP ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { notifications: Notification[] }).notifications;
  }

  async function awaitNotification(
    orderId: string,
    eventId: string,
    timeoutMs = 20_000,
  ): Promise<Notification> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = (await notificationsOf(orderId)).find((n) => n.event_id === eventId);
      if (found) return found;
      if (Date.now() > until)
        throw new Error(
          `notifications did not handle event ${eventId} of order ${orderId} within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What the test does with each message of the pact: feed it to the real consumer. */
  async function feedToNotifications(m: ReifiedMessage): Promise<Notification> {
    const meta = m.metadata as Record<string, string>;
    const content = m.contents.content as { event_id: string; order: { id: string } };
    expect(await notificationsOf(content.order.id)).toEqual([]);
    await producer.send({
      topic: meta.topic!,
      key: meta.key!,
      headers: {
        "event-id": meta["event-id"]!,
        "event-type": meta["event-type"]!,
        "content-type": meta["content-type"]!,
      },
      value: JSON.stringify(content),
    });
    return awaitNotification(content.order.id, content.event_id);
  }

  beforeAll(async () => {
    fs.rmSync(PACT_FILE, { force: true });
    stack = await new Environment(await loadManifest("shop", projectRoot())).start();
    // orders creates the topic on its first event; this test may produce before any order.
    await ensureTopic(stack.kafkaBrokers(), TOPIC);
    producer = await KafkaMessageProducer.start(stack.kafkaBrokers());
    db = new pg.Pool({ connectionString: stack.postgresUrl("notifications"), max: 1 });
    // Steady state first: notifications consumes the (new) topic. One throwaway event, handled.
    const warmUp = { order: randomUUID(), event: randomUUID() };
    await producer.send({
      topic: TOPIC,
      key: warmUp.order,
      headers: {
        "event-id": warmUp.event,
        "event-type": "order.created",
        "content-type": "application/json",
      },
      value: JSON.stringify({
        event_id: warmUp.event,
        type: "order.created",
        occurred_at: new Date().toISOString(),
        order: { id: warmUp.order, cancellation_reason: "" },
      }),
    });
    await awaitNotification(warmUp.order, warmUp.event, 60_000);
  });
  afterAll(async () => {
    await producer?.stop();
    await db?.end();
    await stack?.stop();
    timings.report();
  });
  beforeEach(async () => {
    await stack.reset();
    // Reset notifications' state: nothing handled yet (its dedupe table included).
    await db.query("TRUNCATE notifications, processed_events");
  });

  for (const c of CASES) {
    it(`handles ${c.description}`, async () => {
      const event = orderEvent(c.type, c.ids, c.reason);
      const pact = new PactV4({
        consumer: "notifications",
        provider: "orders",
        dir: PACT_DIR,
        logLevel: "warn",
      });
      const handled = await pact
        .addAsynchronousInteraction()
        .given(c.state)
        .expectsToReceive(c.description, (b) => {
          b.withMetadata(event.metadata).withJSONContent(event.content);
        })
        .executeTest((m) =>
          timings.time("consumer interaction (produce -> handled)", () => feedToNotifications(m)),
        );
      expect(handled).toMatchObject({ order_id: c.ids.order, event_id: c.ids.event, event_type: c.type });
      expect(handled?.message).toMatch(c.says);
    });
  }

  it("a redelivered event is handled once (the consumer's dedupe, which the contract relies on)", async () => {
    const c = CASES[1];
    const content = {
      event_id: c.ids.event,
      type: c.type,
      occurred_at: "2026-11-25T02:16:27.123Z",
      order: { id: c.ids.order, cancellation_reason: "" },
    };
    const record = {
      topic: TOPIC,
      key: c.ids.order,
      headers: { "event-id": c.ids.event, "event-type": c.type, "content-type": "application/json" },
      value: JSON.stringify(content),
    };
    await producer.send(record);
    await awaitNotification(c.ids.order, c.ids.event);
    await producer.send(record);
    // A marker event after the duplicate: once it is handled, the duplicate was processed too.
    const marker = "a1e2c3d4-5b6a-4789-8c0d-1e2f3a4b5c99";
    await producer.send({
      ...record,
      headers: { ...record.headers, "event-id": marker },
      value: JSON.stringify({ ...content, event_id: marker }),
    });
    await awaitNotification(c.ids.order, marker);
    expect((await notificationsOf(c.ids.order)).filter((n) => n.event_id === c.ids.event)).toHaveLength(1);
  });

  it("wrote every message to pacts/notifications-orders.json (V4) with its metadata", () => {
    const pact = JSON.parse(fs.readFileSync(PACT_FILE, "utf8")) as {
      interactions: {
        description: string;
        type: string;
        contents: unknown;
        metadata: Record<string, unknown>;
      }[];
      metadata: { pactSpecification: { version: string } };
    };
    expect(pact.metadata.pactSpecification.version).toBe("4.0");
    expect(pact.interactions.map((i) => i.description).sort()).toEqual(
      CASES.map((c) => c.description).sort(),
    );
    for (const i of pact.interactions) {
      expect(i.type).toBe("Asynchronous/Messages");
      expect(Object.keys(i.metadata).sort()).toEqual([
        "content-type",
        "event-id",
        "event-type",
        "key",
        "topic",
      ]);
      expect(i.metadata.topic).toBe(TOPIC);
    }
  });
});
