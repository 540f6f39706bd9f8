import { Toxiproxy } from "toxiproxy-node-client";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { docker } from "../../src/docker-client.ts";
import { loadManifest, parseManifest } from "../../src/env/manifest.ts";
import { networkHosts } from "../../src/env/managed-container.ts";
import { LABEL_RUN_ID, runId as thisRunId } from "../../src/env/run-labels.ts";
import { Environment, StackStartError, type StartedStack } from "../../src/env/stack.ts";
import { projectRoot } from "../../src/paths.ts";
import { paymentsLedger } from "../support/payments-ledger.ts";
import { ShopState } from "../support/shop-state.ts";
import { StorefrontClient, type Order } from "../../targets/shop/storefront/storefront-client.ts";
import { median } from "../../src/statistics.ts";

const TOPIC = "shop.orders.events";

/** One file of a container (running or not), read through the engine's archive API. */
async function readFileOf(
  c: ReturnType<ReturnType<typeof docker>["getContainer"]>,
  file: string,
): Promise<string> {
  const tar = (await c.getArchive({ path: file })) as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  // One regular file: a 512-byte header (size in octal at 124), then the content.
  const size = parseInt(all.subarray(124, 136).toString("ascii").replace(/\0/g, "").trim(), 8);
  return all.subarray(512, 512 + size).toString("utf8");
}

/** Sorted wall times of n runs of fn, in ms. */
async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}
/** Polling: wait on a condition with a deadline, never a fixed sleep. */
const poll = { timeout: 60_000, interval: 250 };

/** The outbox rows orders wrote for one order: event type and whether the relay got it into Kafka. */
async function outboxOf(stack: StartedStack, orderId: string): Promise<{ type: string; sent: boolean }[]> {
  const client = new pg.Client({ connectionString: stack.postgresUrl("orders") });
  await client.connect();
  try {
    const r = await client.query<{ event_type: string; sent: boolean }>(
      "SELECT event_type, sent_at IS NOT NULL AS sent FROM outbox WHERE order_id = $1 ORDER BY seq",
      [orderId],
    );
    return r.rows.map((x) => ({ type: x.event_type, sent: x.sent }));
  } finally {
    await client.end();
  }
}

/** How many records of the topic the notifications consumer group has not committed yet. */
async function notificationsLag(stack: StartedStack): Promise<number> {
  const admin = new Kafka({
    clientId: "lag-check",
    brokers: stack.kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId: "notifications", topics: [TOPIC] });
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((lag, e) => lag + Number(e.high) - Math.max(0, at.get(e.partition) ?? 0), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("the shop stack: every edge through Toxiproxy", () => {
  let stack: StartedStack;
  let shop: ShopState;
  let storefront: StorefrontClient;
  /** Places an order for customer c-1 in EUR through the storefront's client. */
  let place: (lines: { sku: string; quantity: number }[]) => Promise<Order>;

  beforeAll(async () => {
    const manifest = await loadManifest("shop", projectRoot());
    stack = await new Environment(manifest).start();
    shop = new ShopState(stack.entrypointUrl, stack.url("notifications"));
    storefront = new StorefrontClient(stack.entrypointUrl);
    place = (lines) => storefront.placeOrder({ customerId: "c-1", currency: "EUR", lines });
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    await stack.reset();
  });

  it("comes up with every service ready and every edge a proxy", async () => {
    const states = await stack.states();
    for (const svc of Object.keys(stack.manifest.services)) {
      expect(states.find((s) => s.name === svc)).toMatchObject({ state: "running", ready: true });
    }
    const proxies = Object.keys(await new Toxiproxy(stack.toxiproxyUrl).getAll()).sort();
    expect(proxies).toEqual([...stack.manifest.edges.map((e) => e.name), "host->kafka"].sort());
    expect(stack.timings.containers.map((c) => c.name).sort()).toEqual(
      [
        "toxiproxy",
        ...Object.keys(stack.manifest.infrastructure),
        ...Object.keys(stack.manifest.services),
      ].sort(),
    );
    for (const c of stack.timings.containers) expect(c.createdToReadyMs).toBeGreaterThan(0);
  });

  it("services are configured with the proxies' addresses, never the real ones", async () => {
    const info = await docker().getContainer(`${stack.network.name}-orders`).inspect();
    const env = Object.fromEntries(
      info.Config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    expect(env.PAYMENTS_ADDR).toMatch(/^toxiproxy:\d+$/);
    expect(env.INVENTORY_ADDR).toMatch(/^toxiproxy:\d+$/);
    expect(env.KAFKA_BROKERS).toMatch(/^toxiproxy:\d+$/);
    expect(env.DATABASE_URL).toMatch(/@toxiproxy:\d+\/orders\?/);
  });

  it("a placed order is confirmed; stock, payment and notifications reflect it", async () => {
    const before = await shop.product("SKU-1");
    const ledgerBefore = await paymentsLedger(stack.url("payments", "grpc"));
    const placed = await place([{ sku: "SKU-1", quantity: 2 }]);
    const order = await storefront.settledOrder(placed.id);
    expect(order.status).toBe("confirmed");
    expect(order.totalCents).toBe(2 * before.price_cents);

    const after = await shop.product("SKU-1");
    expect(after.available).toBe(before.available - 2);
    expect(after.available + after.reserved).toBe(after.initial);
    const ledger = await paymentsLedger(stack.url("payments", "grpc"));
    expect(ledger.captured_cents - ledgerBefore.captured_cents).toBe(order.totalCents);

    const notes = await shop.awaitNotifications(order.id, 2);
    expect(notes.map((n) => n.event_type).sort()).toEqual(["order.confirmed", "order.created"]);
    expect(new Set(notes.map((n) => n.event_id)).size).toBe(notes.length);
  });

  it("a declined payment cancels the order and releases its stock", async () => {
    // SKU-3 costs more than payments' decline limit.
    const before = await shop.product("SKU-3");
    const placed = await place([{ sku: "SKU-3", quantity: 1 }]);
    const order = await storefront.settledOrder(placed.id);
    expect(order.status).toBe("cancelled");
    expect(order.cancellationReason).toMatch(/declin/i);
    const after = await shop.product("SKU-3");
    expect(after.available).toBe(before.available);
    expect(after.reserved).toBe(before.reserved);
  });

  it("300 ms of latency on orders->payments makes order creation at least 300 ms slower; reset() restores it", async () => {
    const placeAndSettle = async () =>
      storefront.settledOrder((await place([{ sku: "SKU-1", quantity: 1 }])).id);
    await placeAndSettle(); // warm connections
    const base = await timed(5, placeAndSettle);
    await stack.edge("orders->payments").latency(300);
    const slowed = await timed(5, placeAndSettle);
    // Every order waits for one charge through the edge: each one takes the 300 ms. (The
    // median shift is printed below, not asserted: the baseline varies on shared cores.)
    expect(slowed[0]).toBeGreaterThanOrEqual(300);
    expect(median(slowed)).toBeGreaterThan(median(base));
    await stack.reset();
    // With the toxic in place no order can settle in under 300 ms; one that does shows it is gone.
    await expect
      .poll(async () => (await timed(1, placeAndSettle))[0], { ...poll, timeout: 30_000 })
      .toBeLessThan(300);
    console.log(
      `orders->payments: median ${median(base).toFixed(0)} ms, with 300 ms latency ${median(slowed).toFixed(0)} ms`,
    );
  });

  it("with orders->kafka cut, orders still succeed (outbox) and their events arrive once the edge is back, each handled once", async () => {
    const edge = stack.edge("orders->kafka");
    await edge.disable();
    const placed = await place([{ sku: "SKU-1", quantity: 1 }]);
    const order = await storefront.settledOrder(placed.id);
    expect(order.status).toBe("confirmed");
    // Both events wait in the outbox, unsent: nothing of this order has reached Kafka, so
    // notifications cannot have it.
    const waiting = await outboxOf(stack, order.id);
    expect(waiting.map((e) => e.type)).toEqual(expect.arrayContaining(["order.created", "order.confirmed"]));
    expect(waiting.filter((e) => e.sent)).toEqual([]);
    expect(await shop.notifications(order.id)).toEqual([]);

    await edge.enable();
    const notes = await shop.awaitNotifications(order.id, 2, 60_000);
    // Handled once: once the relay has sent both events and the notifications group has
    // committed everything on the topic, nothing more can arrive; then exactly two are stored.
    await expect.poll(async () => (await outboxOf(stack, order.id)).every((e) => e.sent), poll).toBe(true);
    await expect.poll(() => notificationsLag(stack), poll).toBe(0);
    const final = await shop.notifications(order.id);
    expect(final).toHaveLength(notes.length);
    expect(final.map((n) => n.event_type).sort()).toEqual(["order.confirmed", "order.created"]);
    expect(new Set(final.map((n) => n.event_id)).size).toBe(2);
  });

  it("Kafka traffic of orders and notifications really passes through their edges", async () => {
    // notifications->kafka cut: orders' events reach Kafka (read via host->kafka) but not notifications.
    await stack.edge("notifications->kafka").disable();
    const kafka = new Kafka({
      clientId: "edge-check",
      brokers: stack.kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `edge-check-${randomUUID()}` });
    await consumer.connect();
    // A fresh group reading from the beginning: no race with the group's join.
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.key?.toString() ?? "") });
    const order = await place([{ sku: "SKU-1", quantity: 1 }]);
    await storefront.settledOrder(order.id);
    await expect.poll(() => seen.includes(order.id), poll).toBe(true);
    // The events are in Kafka, and the notifications group has not committed them: it has
    // not handled them, and nothing of this order is stored.
    expect(await notificationsLag(stack)).toBeGreaterThan(0);
    expect(await shop.notifications(order.id)).toEqual([]);

    await stack.edge("notifications->kafka").enable();
    await shop.awaitNotifications(order.id, 2, 60_000);

    // host->kafka cut: this host's consumer stops receiving, though orders keeps publishing.
    await stack.edge("host->kafka").disable();
    const second = await place([{ sku: "SKU-1", quantity: 1 }]);
    await storefront.settledOrder(second.id);
    await shop.awaitNotifications(second.id, 2, 60_000);
    expect(seen).not.toContain(second.id);
    await stack.edge("host->kafka").enable();
    await consumer.disconnect();
  });

  it("a killed service restarts, becomes ready again, and the stack stays usable", async () => {
    await stack.kill("payments");
    await expect
      .poll(async () => (await stack.states()).find((s) => s.name === "payments")?.state, poll)
      .toBe("exited");
    await stack.restart("payments");
    expect((await stack.states()).find((s) => s.name === "payments")).toMatchObject({
      state: "running",
      ready: true,
    });
    const order = await place([{ sku: "SKU-1", quantity: 1 }]);
    expect((await storefront.settledOrder(order.id, { timeoutMs: 60_000 })).status).toBe("confirmed");
  });

  it("every container finds the run's names in its /etc/hosts at fixed addresses, never asking the engine's DNS (Docker 20.10's libnetwork deadlock)", async () => {
    const hosts = await networkHosts(stack.network.name);
    const names = [
      "toxiproxy",
      ...Object.keys(stack.manifest.infrastructure),
      ...Object.keys(stack.manifest.services),
    ];
    expect(Object.keys(hosts).sort()).toEqual([...names].sort());
    for (const name of names) {
      const c = docker().getContainer(`${stack.network.name}-${name}`);
      const info = await c.inspect();
      expect(info.NetworkSettings.Networks[stack.network.name]?.IPAddress, name).toBe(hosts[name]);
      const file = await readFileOf(c, "/etc/hosts");
      for (const [h, ip] of Object.entries(hosts))
        expect(file, `${name}: /etc/hosts`).toMatch(new RegExp(`^${ip.replace(/\./g, "\\.")}\\s+${h}$`, "m"));
    }
    // A killed and restarted container keeps its address (its peers' /etc/hosts stay right).
    await stack.kill("inventory");
    await stack.restart("inventory");
    const again = await docker().getContainer(`${stack.network.name}-inventory`).inspect();
    expect(again.NetworkSettings.Networks[stack.network.name]?.IPAddress).toBe(hosts.inventory);
  });

  it("an unknown edge lists the known ones", () => {
    expect(() => stack.edge("orders->paymnts")).toThrow(
      /No edge "orders->paymnts" in target "shop"; edges: .*orders->payments/,
    );
  });
});

describe("start-up failures", () => {
  it("a missing image fails before any container starts, naming the image and the fix", async () => {
    const manifest = parseManifest(
      [
        "name: broken",
        "services:",
        "  api:",
        "    image: faultline/not-built:1",
        "    build: { go: ./orders/cmd/orders }",
        "    ports: { http: 8080 }",
        "  web:",
        "    image: faultline/not-here:1",
        "    ports: { http: 8080 }",
        "",
      ].join("\n"),
      "broken.yaml",
      { knownImage: () => true, dir: path.join(projectRoot(), "targets", "shop") },
    );
    // Only this run's own containers and networks are counted: other stacks share the daemon.
    const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${thisRunId()}`] });
    const mine = async () => [
      ...(await docker().listContainers({ all: true, filters })).map((c) => c.Id),
      ...(await docker().listNetworks({ filters })).map((n) => n.Id),
    ];
    const before = await mine();
    const err = await new Environment(manifest).start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackStartError);
    expect((err as Error).message).toMatch(
      /api: image faultline\/not-built:1 is not built \(fix: faultline images build broken-api --target broken\.yaml\)/,
    );
    expect((err as Error).message).toMatch(
      /web: image faultline\/not-here:1 is not on this machine \(fix: build it, or fix the manifest's image\)/,
    );
    expect(await mine()).toEqual(before);
  });

  it("SIGINT during `faultline up` start-up removes every container and network it made", async () => {
    const runId = `up-sigint-${randomUUID()}`;
    const child = spawn(
      process.execPath,
      [path.join(projectRoot(), "bin", "faultline.mjs"), "up", "--target", "shop"],
      {
        env: {
          ...process.env,
          FAULTLINE_RUN_ID: runId,
          FAULTLINE_CACHE_DIR: path.join(projectRoot(), ".scratch", runId),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Interrupt once the infrastructure is starting: containers exist, services are not up yet.
    await expect.poll(() => out, { timeout: 60_000, interval: 100 }).toMatch(/infrastructure/);
    const filters = JSON.stringify({ label: [`${LABEL_RUN_ID}=${runId}`] });
    await expect
      .poll(async () => (await docker().listContainers({ all: true, filters })).length, poll)
      .toBeGreaterThan(0);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(await docker().listContainers({ all: true, filters })).toEqual([]);
    expect(await docker().listNetworks({ filters })).toEqual([]);
  });
});
