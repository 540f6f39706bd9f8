/**
 * Executions of webhooks: queued when an event fires, run after the response that fired them,
 * each attempt bounded in time, retried with backoff, bounded in count (a full queue refuses new
 * executions and records why), and recorded with a log whose secrets are redacted.
 */
import { randomUUID } from "node:crypto";
import type { BrokerLogger } from "../server.ts";
import type { WebhookExecutionRow, WebhookStore } from "../store/webhooks.ts";
import { requestHeaders, type WebhookRequest } from "./model.ts";
import { isSecretHeader, redactText, REDACTED } from "./redact.ts";
import { renderBody, renderTemplate, renderUrl, type WebhookTemplateValues } from "./render.ts";
import type { WebhookEvent } from "./trigger.ts";
import { checkWebhookTarget, type WebhookWhitelist } from "./whitelist.ts";

export interface WebhookExecutionOptions {
  /** One attempt's deadline; default 10 000 ms. */
  timeoutMs?: number;
  /** Delays before each retry; default the Pact Broker's 10, 60, 120, 300, 600, 1200 s. */
  retryScheduleMs?: number[];
  /** Executions queued, running or waiting to retry at once; more are refused. Default 100. */
  maxPending?: number;
  /**
   * Requests in flight at once; default 16. With 4, executions fired by 20 clients publishing at
   * once queued behind each other for about a second (measured with `faultline broker bench`).
   */
  concurrency?: number;
}

/** What one attempt sent and got, secrets replaced (the `execute` resource shows it). */
export interface AttemptResult {
  success: boolean;
  log: string;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body: string };
}

const MAX_RESPONSE_SHOWN = 10_000;
const USER_AGENT = "faultline broker";

export class WebhookExecutor {
  private pending = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Retries waiting for their time, with what close() records for each. */
  private readonly timers = new Map<NodeJS.Timeout, { uuid: string; attempts: number; logs: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /** A write of the recorded states is scheduled. */
  private flushing = false;
  private readonly timeoutMs: number;
  private readonly retrySchedule: number[];
  private readonly maxPending: number;
  private readonly concurrency: number;

  constructor(
    private readonly store: WebhookStore,
    private readonly whitelist: WebhookWhitelist,
    options: WebhookExecutionOptions = {},
    private readonly logger?: BrokerLogger,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retrySchedule = options.retryScheduleMs ?? [10, 60, 120, 300, 600, 1200].map((s) => s * 1000);
    this.maxPending = options.maxPending ?? 100;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Records an execution and runs it on a later turn (after the response is sent). */
  enqueue(webhookUuid: string, event: WebhookEvent, request: WebhookRequest): string {
    const uuid = randomUUID();
    this.store.createExecution({
      uuid,
      webhookUuid,
      eventName: event.name,
      consumer: event.consumer,
      provider: event.provider,
      consumerVersion: event.values.consumerVersionNumber,
    });
    if (this.closed || this.pending >= this.maxPending) {
      const why = this.closed
        ? "the broker is stopping"
        : `${this.maxPending} webhook executions are already pending`;
      this.record(uuid, "failure", 0, `not run: ${why}\n`);
      this.logger?.warn(`broker: webhook execution ${uuid} not run: ${why}`);
      return uuid;
    }
    this.pending++;
    setImmediate(() => this.track(uuid, request, event.values, 0, ""));
    return uuid;
  }

  /** Runs one attempt (and schedules the next), remembered until it ends so close() can wait. */
  private track(
    uuid: string,
    request: WebhookRequest,
    values: WebhookTemplateValues,
    attempt: number,
    logs: string,
  ): void {
    const run = this.runAttempt(uuid, request, values, attempt, logs).catch((err: unknown) => {
      this.pending--;
      this.logger?.error(
        `broker: webhook execution ${uuid} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async runAttempt(
    uuid: string,
    request: WebhookRequest,
    values: WebhookTemplateValues,
    attempt: number,
    logs: string,
  ): Promise<void> {
    const result = await this.limited(() => this.attempt(request, values));
    const all = `${logs}--- attempt ${attempt + 1} at ${new Date().toISOString()}\n${result.log}\n`;
    const delay = this.retrySchedule[attempt];
    if (result.success || delay === undefined || this.closed) {
      this.record(uuid, result.success ? "success" : "failure", attempt + 1, all);
      this.pending--;
      return;
    }
    const next = `${all}retrying in ${delay} ms\n`;
    this.record(uuid, "retrying", attempt + 1, next);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(uuid, request, values, attempt + 1, next);
    }, delay);
    timer.unref();
    this.timers.set(timer, { uuid, attempts: attempt + 1, logs: next });
  }

  /** Records an execution's state; the states recorded in one turn are written together on the next. */
  private record(uuid: string, status: WebhookExecutionRow["status"], attempts: number, logs: string): void {
    this.store.updateExecution(uuid, status, attempts, logs);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      this.flush();
    });
  }

  private flush(): void {
    try {
      this.store.flushExecutions();
    } catch (err) {
      this.logger?.error(
        `broker: webhook execution results not recorded: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** One request, rendered and checked against the whitelist again (settings may have changed). */
  async attempt(request: WebhookRequest, values: WebhookTemplateValues): Promise<AttemptResult> {
    const url = renderUrl(request.url, values);
    const method = request.method.toUpperCase();
    const headers: Record<string, string> = { "User-Agent": USER_AGENT };
    for (const [k, v] of Object.entries(requestHeaders(request))) headers[k] = renderTemplate(v, values);
    if (request.username !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${request.username}:${request.password ?? ""}`).toString("base64")}`;
    const body = renderBody(request.body, values);
    const secrets = [
      ...Object.entries(headers)
        .filter(([k]) => isSecretHeader(k))
        .map(([, v]) => v),
      ...(request.password ? [request.password] : []),
    ];
    const shownHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : v]),
    );
    const shownRequest = {
      method,
      url: redactText(url, secrets),
      headers: shownHeaders,
      ...(body !== undefined ? { body: redactText(body, secrets) } : {}),
    };
    let log = `${method} ${url}\n${Object.entries(shownHeaders)
      .map(([k, v]) => `${k}: ${v}`)
      .join("\n")}\n${body ?? ""}\n`;
    try {
      checkWebhookTarget(url, method, this.whitelist);
      const res = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      const success = res.status >= 200 && res.status < 300;
      if (this.whitelist.hosts.length === 0) {
        log += `-> HTTP ${res.status}\n(response details not shown: PACT_BROKER_WEBHOOK_HOST_WHITELIST is empty)`;
        return { success, log: redactText(log, secrets), request: shownRequest };
      }
      const shownBody = redactText(text.slice(0, MAX_RESPONSE_SHOWN), secrets);
      log += `-> HTTP ${res.status}\n${shownBody}`;
      return {
        success,
        log: redactText(log, secrets),
        request: shownRequest,
        response: { status: res.status, headers: Object.fromEntries(res.headers), body: shownBody },
      };
    } catch (err) {
      const reason =
        err instanceof Error && err.name === "TimeoutError"
          ? `no response within ${this.timeoutMs} ms`
          : err instanceof Error
            ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ""}`
            : String(err);
      this.logger?.warn(`broker: webhook request to ${hostOf(url)} failed: ${redactText(reason, secrets)}`);
      return { success: false, log: redactText(`${log}-> error: ${reason}`, secrets), request: shownRequest };
    }
  }

  /** Stops retrying and waits for the attempts in flight (each ends by its deadline). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [t, e] of this.timers) {
      clearTimeout(t);
      this.record(e.uuid, "failure", e.attempts, `${e.logs}not retried: the broker stopped\n`);
    }
    this.timers.clear();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    this.flush();
  }

  /** Executions queued, running or waiting for a retry. */
  get pendingCount(): number {
    return this.pending;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
