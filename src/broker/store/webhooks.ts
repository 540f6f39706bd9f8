/**
 * Webhooks and their executions. Kept beside the resource layers, not in their chain: it shares
 * the database and nothing else.
 */
import type Database from "better-sqlite3";
import { now } from "./base.ts";

export interface WebhookRow {
  uuid: string;
  description: string | null;
  consumer_name: string | null;
  provider_name: string | null;
  events: string;
  request: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookExecutionRow {
  id: number;
  uuid: string;
  webhook_uuid: string;
  event_name: string;
  consumer_name: string;
  provider_name: string;
  consumer_version: string;
  /** As the Pact Broker names them. */
  status: "not_run" | "retrying" | "success" | "failure";
  attempts: number;
  logs: string;
  created_at: string;
  finished_at: string | null;
}

export class WebhookStore {
  /** Execution states recorded and not yet written, by uuid (the newest one of each). */
  private readonly unwritten = new Map<string, [string, string, number, string, string | null]>();

  constructor(private readonly db: Database.Database) {}

  upsertWebhook(row: Omit<WebhookRow, "created_at" | "updated_at">): { row: WebhookRow; created: boolean } {
    const existing = this.findWebhook(row.uuid);
    const t = now();
    this.db
      .prepare(
        `INSERT INTO webhooks (uuid, description, consumer_name, provider_name, events, request, enabled, created_at, updated_at)
         VALUES (@uuid, @description, @consumer_name, @provider_name, @events, @request, @enabled, @t, @t)
         ON CONFLICT (uuid) DO UPDATE SET description = excluded.description, consumer_name = excluded.consumer_name,
           provider_name = excluded.provider_name, events = excluded.events, request = excluded.request,
           enabled = excluded.enabled, updated_at = excluded.updated_at`,
      )
      .run({ ...row, t });
    return { row: this.findWebhook(row.uuid)!, created: !existing };
  }

  findWebhook(uuid: string): WebhookRow | undefined {
    return this.db.prepare("SELECT * FROM webhooks WHERE uuid = ?").get(uuid) as WebhookRow | undefined;
  }

  listWebhooks(): WebhookRow[] {
    return this.db.prepare("SELECT * FROM webhooks ORDER BY created_at, uuid").all() as WebhookRow[];
  }

  deleteWebhook(uuid: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare("DELETE FROM webhook_executions WHERE webhook_uuid = ?").run(uuid);
      return this.db.prepare("DELETE FROM webhooks WHERE uuid = ?").run(uuid).changes > 0;
    })();
  }

  createExecution(e: {
    uuid: string;
    webhookUuid: string;
    eventName: string;
    consumer: string;
    provider: string;
    consumerVersion: string;
  }): void {
    this.db
      .prepare(
        `INSERT INTO webhook_executions (uuid, webhook_uuid, event_name, consumer_name, provider_name, consumer_version,
           status, attempts, logs, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'not_run', 0, '', ?)`,
      )
      .run(e.uuid, e.webhookUuid, e.eventName, e.consumer, e.provider, e.consumerVersion, now());
  }

  /**
   * Records an execution's state. Kept until `flushExecutions` (the executor calls it on the next
   * turn; every read here calls it first), so the results of attempts ending together cost one
   * statement: on SQLite one commit (one fsync), on PostgreSQL one round trip.
   */
  updateExecution(uuid: string, status: WebhookExecutionRow["status"], attempts: number, logs: string): void {
    const finished = status === "retrying" || status === "not_run" ? null : now();
    this.unwritten.set(uuid, [uuid, status, attempts, logs, finished]);
  }

  /** Writes the recorded states in one statement per 16. */
  flushExecutions(): void {
    while (this.unwritten.size > 0) {
      const batch = [...this.unwritten.values()].slice(0, 16);
      this.db
        .prepare(
          `UPDATE webhook_executions SET status = v.column2, attempts = CAST(v.column3 AS INTEGER),
             logs = v.column4, finished_at = v.column5
           FROM (VALUES ${batch.map(() => "(?, ?, ?, ?, ?)").join(", ")}) AS v
           WHERE webhook_executions.uuid = v.column1`,
        )
        .run(...batch.flat());
      for (const [uuid] of batch) this.unwritten.delete(uuid);
    }
  }

  findExecution(uuid: string): WebhookExecutionRow | undefined {
    this.flushExecutions();
    return this.db.prepare("SELECT * FROM webhook_executions WHERE uuid = ?").get(uuid) as
      WebhookExecutionRow | undefined;
  }

  /** The executions for a pact (consumer and provider), newest first; of one consumer version when given. */
  executionsForPact(provider: string, consumer: string, consumerVersion?: string): WebhookExecutionRow[] {
    this.flushExecutions();
    return this.db
      .prepare(
        `SELECT * FROM webhook_executions WHERE provider_name = ? AND consumer_name = ?
           AND (? IS NULL OR consumer_version = ?) ORDER BY id DESC`,
      )
      .all(provider, consumer, consumerVersion ?? null, consumerVersion ?? null) as WebhookExecutionRow[];
  }

  executionsOf(webhookUuid: string): WebhookExecutionRow[] {
    this.flushExecutions();
    return this.db
      .prepare("SELECT * FROM webhook_executions WHERE webhook_uuid = ? ORDER BY id DESC")
      .all(webhookUuid) as WebhookExecutionRow[];
  }
}
