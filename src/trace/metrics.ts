/** Every service's /metrics: valid exposition (the kept parser) holding the metrics the chaos catalog reads. */
import { checkMetrics, loadCatalog } from "../chaos/catalog.ts";
import { parseExposition, type CheckResult } from "./checks.ts";

export interface MetricsTarget {
  readonly manifest: { services: Record<string, unknown> };
  url(service: string): string;
}

export async function checkServiceMetrics(
  target: MetricsTarget,
  root: string,
): Promise<CheckResult & { families: Record<string, number> }> {
  const problems: string[] = [];
  const names = new Map<string, string[]>();
  const families: Record<string, number> = {};
  for (const service of Object.keys(target.manifest.services)) {
    const res = await fetch(`${target.url(service)}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) {
      problems.push(`${service}: /metrics answered HTTP ${res.status}`);
      names.set(service, []);
      continue;
    }
    const type = res.headers.get("content-type") ?? "";
    if (!/^text\/plain/.test(type))
      problems.push(`${service}: /metrics content-type "${type}", want text/plain (exposition format)`);
    const parsed = parseExposition(service, await res.text());
    problems.push(...parsed.problems);
    names.set(
      service,
      parsed.families.map((f) => f.name),
    );
    families[service] = parsed.families.length;
  }
  problems.push(...(await checkMetrics(await loadCatalog(root), async (s) => names.get(s) ?? [])));
  return { ok: problems.length === 0, problems, families };
}
