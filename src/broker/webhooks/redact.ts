/** Secrets a webhook carries (auth headers, basic-auth password) are stored but never shown back. */

export const REDACTED = "**********";
const SECRET_HEADER = /authorization|token|secret|password|api[-_]?key/i;

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : v]));
}

/** Replaces every given secret in a log text. */
export function redactText(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join(REDACTED);
  return out;
}
