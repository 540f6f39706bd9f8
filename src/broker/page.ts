/**
 * The plain HTML page served at `/` to browsers: pacticipants, latest pacts with their verification
 * status, environments and the matrix. Self-contained (inline CSS, no scripts, no external assets).
 */
import type { BrokerStore, PublicationView, VerificationView } from "./store/store.ts";
import type { BrokerUrls } from "./urls.ts";

const MATRIX_ROW_LIMIT = 200;

function esc(s: string | number | null | undefined): string {
  return String(s ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function status(v: VerificationView | undefined): string {
  if (!v) return `<span class="unknown">unverified</span>`;
  return v.verification.success === 1
    ? `<span class="ok">verified</span> by ${esc(v.providerVersion.number)}`
    : `<span class="fail">failed</span> by ${esc(v.providerVersion.number)}`;
}

function table(headers: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

export function renderBrokerPage(store: BrokerStore, urls: BrokerUrls): string {
  const pacticipants = store.listPacticipants();
  const publications = store.publications();
  const verifications = store.verificationsFor(publications.map((x) => x.pactVersion.id));
  const environments = store.listEnvironments();

  const pacticipantRows = pacticipants.map((p) => {
    const latest = store.latestVersion(p.id);
    return [
      `<a href="${esc(urls.pacticipant(p.name))}">${esc(p.name)}</a>`,
      esc(p.main_branch ?? "—"),
      esc(latest?.number ?? "—"),
      esc(store.listVersions(p.id).length),
    ];
  });

  const latestByIntegration = new Map<string, PublicationView>();
  for (const pub of publications) {
    const key = `${pub.consumer.id}:${pub.provider.id}`;
    if (!latestByIntegration.has(key)) latestByIntegration.set(key, pub);
  }
  const pactRows = [...latestByIntegration.values()].map((pub) => [
    esc(pub.consumer.name),
    esc(pub.consumerVersion.number),
    esc(pub.branches.join(", ") || "—"),
    esc(pub.tags.join(", ") || "—"),
    esc(pub.provider.name),
    esc(pub.publication.created_at),
    status(verifications.get(pub.pactVersion.id)?.[0]),
    `<a href="${esc(urls.pactForConsumerVersion(pub.provider.name, pub.consumer.name, pub.consumerVersion.number))}">JSON</a>`,
  ]);

  const envRows = environments.map((e) => {
    const deployed = store.currentlyDeployed({ environmentId: e.id }).map((d) => {
      const v = store.versionById(d.version_id);
      return `${store.pacticipantById(v.pacticipant_id).name} ${v.number}${d.application_instance ? ` (${d.application_instance})` : ""}`;
    });
    const released = store.currentlySupported({ environmentId: e.id }).map((r) => {
      const v = store.versionById(r.version_id);
      return `${store.pacticipantById(v.pacticipant_id).name} ${v.number}`;
    });
    return [
      esc(e.name),
      e.production ? "yes" : "no",
      esc(deployed.join(", ") || "—"),
      esc(released.join(", ") || "—"),
    ];
  });

  const matrixRows: string[][] = [];
  for (const pub of publications) {
    const list = verifications.get(pub.pactVersion.id) ?? [];
    const seen = new Set<number>();
    const perProviderVersion = list.filter(
      (v) => !seen.has(v.providerVersion.id) && seen.add(v.providerVersion.id),
    );
    const cells = (v: VerificationView | undefined): string[] => [
      esc(pub.consumer.name),
      esc(pub.consumerVersion.number),
      esc(pub.provider.name),
      esc(v?.providerVersion.number ?? "—"),
      status(v),
      esc(v?.verification.created_at ?? "—"),
    ];
    if (perProviderVersion.length === 0) matrixRows.push(cells(undefined));
    for (const v of perProviderVersion) matrixRows.push(cells(v));
    if (matrixRows.length >= MATRIX_ROW_LIMIT) break;
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline broker</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
  p.lead { color: #555; margin-top: 0; }
  table { border-collapse: collapse; width: 100%; background: #fff; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #eee; vertical-align: top; }
  th { background: #f0f0f2; font-weight: 600; }
  .ok { color: #0a7d32; font-weight: 600; }
  .fail { color: #b3261e; font-weight: 600; }
  .unknown { color: #8a6d00; font-weight: 600; }
  .empty { color: #777; font-style: italic; }
  a { color: #0b57d0; }
  code { background: #eee; padding: 0 0.25rem; }
</style>
</head>
<body>
<h1>faultline broker</h1>
<p class="lead">A Pact Broker compatible server. The HAL API is at <code>${esc(urls.index())}</code> (send <code>Accept: application/hal+json</code>).</p>
<h2>Pacticipants (${pacticipants.length})</h2>
${table(["Name", "Main branch", "Latest version", "Versions"], pacticipantRows, "No pacticipants yet.")}
<h2>Latest pacts</h2>
${table(["Consumer", "Version", "Branch", "Tags", "Provider", "Published", "Verification", "Pact"], pactRows, "No pacts published yet.")}
<h2>Environments</h2>
${table(["Name", "Production", "Deployed", "Released"], envRows, "No environments yet.")}
<h2>Matrix</h2>
${table(["Consumer", "Consumer version", "Provider", "Provider version", "Result", "Verified at"], matrixRows, "No pacts published yet.")}
${matrixRows.length >= MATRIX_ROW_LIMIT ? `<p class="empty">Showing the first ${MATRIX_ROW_LIMIT} rows.</p>` : ""}
</body>
</html>
`;
}
