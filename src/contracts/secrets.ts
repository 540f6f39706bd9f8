/**
 * Keeps broker credentials out of everything the harness prints or stores: logs, errors,
 * reports. Every text that may have seen a secret passes through a Redactor first.
 */
export const REDACTED = "[redacted]";

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: (string | undefined)[]) {
    // Longest first, so a secret containing another is replaced whole. Tiny values are not
    // redacted (they would shred ordinary text) and are refused by the config instead.
    this.secrets = [...new Set(secrets.filter((s): s is string => !!s && s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      out = out.split(s).join(REDACTED);
      // Basic auth and some clients print the base64 of user:password or the token.
      const b64 = Buffer.from(s).toString("base64");
      if (b64.length >= 8) out = out.split(b64).join(REDACTED);
    }
    return out;
  }

  /** Redacts an error's message and stack in place-safe copies. */
  redactError(err: unknown): Error {
    if (err instanceof Error) {
      const copy = new Error(this.redact(err.message));
      copy.name = err.name;
      copy.stack = err.stack ? this.redact(err.stack) : undefined;
      for (const [k, v] of Object.entries(err)) {
        (copy as unknown as Record<string, unknown>)[k] = typeof v === "string" ? this.redact(v) : v;
      }
      return copy;
    }
    return new Error(this.redact(String(err)));
  }
}
