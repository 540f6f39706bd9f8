/**
 * Kafka from the harness's side of a message contract: read the real events a provider
 * emitted (to hand them to Pact's message verification) and produce the messages a pact
 * describes (to feed them to the real consumer). kafkajs, through the stack's host->kafka edge.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import { filterKafkajsNegativeTimeoutWarning } from "../env/kafkajs-warning.ts";

filterKafkajsNegativeTimeoutWarning();

/** One Kafka record as the contract sees it: topic, key, headers and value. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  headers: Record<string, string>;
  value: string;
}

function client(brokers: string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Creates the topic with the broker's defaults unless it exists. */
export async function ensureTopic(brokers: string[], topic: string): Promise<void> {
  const admin = client(brokers, "faultline-contracts-admin").admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record of a topic from its beginning, kept in memory, with waitFor(predicate):
 * the harness's own consumer group, so it never takes records from the services' groups.
 */
export class KafkaEventLog implements AsyncDisposable {
  readonly records: KafkaRecord[] = [];
  private waiters: { pred: (r: KafkaRecord) => boolean; resolve: (r: KafkaRecord) => void }[] = [];

  private constructor(
    readonly topic: string,
    private readonly consumer: Consumer,
  ) {}

  static async start(brokers: string[], topic: string, joinTimeoutMs = 30_000): Promise<KafkaEventLog> {
    await ensureTopic(brokers, topic);
    const consumer = client(brokers, "faultline-contracts").consumer({
      groupId: `faultline-contracts-${randomUUID()}`,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 200,
    });
    const log = new KafkaEventLog(topic, consumer);
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`Kafka consumer of ${topic} did not join its group within ${joinTimeoutMs} ms`)),
        joinTimeoutMs,
      );
      consumer.on(consumer.events.GROUP_JOIN, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(",") : String(v);
        }
        log.add({
          topic: t,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          headers,
          value: message.value?.toString() ?? "",
        });
      },
    });
    try {
      await joined;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return log;
  }

  private add(r: KafkaRecord): void {
    this.records.push(r);
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.pred(r)) w.resolve(r);
      else still.push(w);
    }
    this.waiters = still;
  }

  /** The first record (already read or still to come) matching pred; rejects after timeoutMs. */
  waitFor(pred: (r: KafkaRecord) => boolean, what: string, timeoutMs = 30_000): Promise<KafkaRecord> {
    const found = this.records.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `No record ${what} on ${this.topic} within ${timeoutMs} ms (${this.records.length} records read)`,
          ),
        );
      }, timeoutMs);
      const done = (r: KafkaRecord) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Produces messages and waits for the broker's acknowledgement (acks from all in-sync replicas). */
export class KafkaMessageProducer implements AsyncDisposable {
  private constructor(private readonly producer: Producer) {}

  static async start(brokers: string[]): Promise<KafkaMessageProducer> {
    const producer = client(brokers, "faultline-contracts-producer").producer({
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    return new KafkaMessageProducer(producer);
  }

  async send(m: {
    topic: string;
    key?: string;
    headers: Record<string, string>;
    value: string;
  }): Promise<void> {
    await this.producer.send({
      topic: m.topic,
      acks: -1,
      messages: [{ key: m.key ?? null, value: m.value, headers: m.headers }],
    });
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
