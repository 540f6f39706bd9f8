/**
 * Reads of Toxiproxy's HTTP API that toxiproxy-node-client 4.1 lacks: its Proxy drops the
 * `toxics` of the server's answer, so a proxy's toxics are read here.
 */
export interface ToxicState {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, unknown>;
}

export interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicState[];
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Toxiproxy ${url}: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function listProxies(apiUrl: string): Promise<ProxyState[]> {
  const all = await getJson<Record<string, ProxyState>>(`${apiUrl}/proxies`);
  return Object.values(all).sort((a, b) => a.name.localeCompare(b.name));
}

export function getProxy(apiUrl: string, name: string): Promise<ProxyState> {
  return getJson<ProxyState>(`${apiUrl}/proxies/${encodeURIComponent(name)}`);
}
