import { Kafka, logLevel, type Admin } from "kafkajs";
import { Wait, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageRef } from "../../src/images/catalog.ts";
import { managedContainer } from "../../src/env/managed-container.ts";
import { freePort } from "../support/free-port.ts";

describe("faultline/kafka image (KRaft, single node)", () => {
  let container: StartedTestContainer;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    // The advertised listener must be the address clients use, known before the broker starts.
    const port = await freePort();
    container = await managedContainer(imageRef("kafka"))
      .withExposedPorts({ container: 9092, host: port })
      .withEnvironment({ KAFKA_CFG_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}` })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(60_000)
      .start();
    kafka = new Kafka({
      clientId: "faultline-test",
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await container?.stop();
  });

  it("creates a topic, and a message produced comes back to a consumer with key and headers", async () => {
    await admin.createTopics({ topics: [{ topic: "round-trip", numPartitions: 2 }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain("round-trip");

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: "round-trip",
      messages: [{ key: "order-1", value: JSON.stringify({ n: 1 }), headers: { "event-id": "e-1" } }],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: "round-trip-readers" });
    await consumer.connect();
    await consumer.subscribe({ topic: "round-trip", fromBeginning: true });
    const received = await new Promise<{ key: string; value: string; eventId: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no message consumed within 30 s")), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({
            key: message.key?.toString() ?? "",
            value: message.value?.toString() ?? "",
            eventId: message.headers?.["event-id"]?.toString() ?? "",
          });
        },
      });
    });
    await consumer.disconnect();
    expect(received).toEqual({ key: "order-1", value: JSON.stringify({ n: 1 }), eventId: "e-1" });
  });

  it("a consumer group commits its offsets", async () => {
    const topic = "offsets";
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: "a" }, { value: "b" }, { value: "c" }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: "offset-committers" });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen} of 3 within 30 s`)), 30_000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition, message }) => {
          await consumer.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
          if (++seen === 3) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const offsets = await admin.fetchOffsets({ groupId: "offset-committers", topics: [topic] });
    expect(offsets[0]?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: "3" })]);
  });
});
