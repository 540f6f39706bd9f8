/**
 * Escaping for every output the renderers write. Everything that came from a service, a log or
 * a user file goes through one of these: HTML text and attributes, XML (JUnit), Markdown
 * (summary.md, which CI renders as HTML too), and JSON embedded in a page.
 */

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** HTML text or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** Characters XML 1.0 forbids (control characters other than tab, CR, LF; lone surrogates). */
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** XML text or a quoted attribute value; characters XML cannot carry become U+FFFD. */
export function escapeXml(value: unknown): string {
  return escapeHtml(String(value ?? "").replace(XML_FORBIDDEN, "\uFFFD"));
}

/**
 * One Markdown table cell or inline text: HTML-escaped (GitHub renders HTML in job summaries),
 * pipes and backslashes escaped, Markdown emphasis and link syntax neutralised, one line. (`#` is
 * left alone: escaping it would break the `&#39;` entity, and it only matters at a line's start.)
 */
export function escapeMarkdown(value: unknown): string {
  return escapeHtml(String(value ?? ""))
    .replace(/\\/g, "\\\\")
    .replace(/([|`*_[\]~])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u escapes, so
 * no string in it can close the element or open a comment; JSON.parse reads it back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
