/** Shared by the report's unit and browser tests. */

/** What a service name or an error message could carry: markup that must never run. */
export const HOSTILE = `<script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=2;alert(2)"> "quoted" & 'single' | pipe \`tick\` *star*`;

/**
 * A small XML well-formedness check (enough for JUnit): every tag closes in order, attribute
 * values are quoted, and text holds no raw `<` and no `&` outside an entity. Returns the problems.
 */
export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(body))) {
    const [, close, name, , selfClose, text, stray] = m;
    if (stray) {
      problems.push(`raw < or malformed tag at ${m.index}: ${body.slice(m.index, m.index + 60)}`);
      continue;
    }
    if (text !== undefined) {
      const bad = text.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
      if (bad) problems.push(`raw & in text at ${m.index}`);
      continue;
    }
    const attrs = m[3] ?? "";
    for (const a of attrs.matchAll(/="([^"]*)"/g)) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(a[1]!))
        problems.push(`raw & in attribute of <${name}>`);
    }
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else if (!selfClose) stack.push(name!);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(", ")}`);
  return problems;
}
