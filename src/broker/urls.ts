/** Absolute URLs of the broker's resources, built from the base URL the client used. */

const enc = encodeURIComponent;

/** Consumer-version metadata carried in a pact URL, so a verification knows why the pact was verified. */
export interface PactUrlMetadata {
  /** Consumer version numbers whose selection brought this pact in. */
  cv: string[];
  /** The pact was included as work in progress. */
  w?: true;
  /** The pact was pending when handed out. */
  p?: boolean;
}

export function encodeMetadata(m: PactUrlMetadata): string {
  return Buffer.from(JSON.stringify(m), "utf8").toString("base64url");
}

/** Returns undefined when the segment is not metadata this server wrote. */
export function decodeMetadata(segment: string): PactUrlMetadata | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
    if (value === null || typeof value !== "object") return undefined;
    const o = value as Record<string, unknown>;
    const cv = Array.isArray(o.cv) ? o.cv.filter((x): x is string => typeof x === "string") : [];
    const m: PactUrlMetadata = { cv };
    if (o.w === true) m.w = true;
    if (typeof o.p === "boolean") m.p = o.p;
    return m;
  } catch {
    return undefined;
  }
}

export class BrokerUrls {
  constructor(readonly base: string) {}

  index(): string {
    return this.base;
  }
  pacticipants(): string {
    return `${this.base}/pacticipants`;
  }
  pacticipant(name: string): string {
    return `${this.base}/pacticipants/${enc(name)}`;
  }
  versions(name: string): string {
    return `${this.pacticipant(name)}/versions`;
  }
  version(name: string, number: string): string {
    return `${this.pacticipant(name)}/versions/${enc(number)}`;
  }
  latestVersion(name: string): string {
    return `${this.pacticipant(name)}/latest-version`;
  }
  tag(name: string, number: string, tag: string): string {
    return `${this.version(name, number)}/tags/${enc(tag)}`;
  }
  branches(name: string): string {
    return `${this.pacticipant(name)}/branches`;
  }
  branch(name: string, branch: string): string {
    return `${this.pacticipant(name)}/branches/${enc(branch)}`;
  }
  branchVersion(name: string, branch: string, number: string): string {
    return `${this.branch(name, branch)}/versions/${enc(number)}`;
  }
  environments(): string {
    return `${this.base}/environments`;
  }
  environment(uuid: string): string {
    return `${this.base}/environments/${enc(uuid)}`;
  }
  recordDeployment(name: string, number: string, envUuid: string): string {
    return `${this.version(name, number)}/deployed-versions/environment/${enc(envUuid)}`;
  }
  recordRelease(name: string, number: string, envUuid: string): string {
    return `${this.version(name, number)}/released-versions/environment/${enc(envUuid)}`;
  }
  deployedVersion(uuid: string): string {
    return `${this.base}/deployed-versions/${enc(uuid)}`;
  }
  releasedVersion(uuid: string): string {
    return `${this.base}/released-versions/${enc(uuid)}`;
  }
  pactForConsumerVersion(provider: string, consumer: string, number: string): string {
    return `${this.base}/pacts/provider/${enc(provider)}/consumer/${enc(consumer)}/version/${enc(number)}`;
  }
  pactVersion(provider: string, consumer: string, sha: string, metadata?: PactUrlMetadata): string {
    const url = `${this.base}/pacts/provider/${enc(provider)}/consumer/${enc(consumer)}/pact-version/${enc(sha)}`;
    return metadata ? `${url}/metadata/${encodeMetadata(metadata)}` : url;
  }
  publishVerificationResults(
    provider: string,
    consumer: string,
    sha: string,
    metadata?: PactUrlMetadata,
  ): string {
    return `${this.pactVersion(provider, consumer, sha, metadata)}/verification-results`;
  }
  verification(provider: string, consumer: string, sha: string, number: number): string {
    return `${this.pactVersion(provider, consumer, sha)}/verification-results/${number}`;
  }
  latestPact(provider: string, consumer: string, tag?: string): string {
    const url = `${this.base}/pacts/provider/${enc(provider)}/consumer/${enc(consumer)}/latest`;
    return tag === undefined ? url : `${url}/${enc(tag)}`;
  }
  /** Every pact version of a provider (optionally only consumer versions with `tag`). */
  providerPacts(provider: string, tag?: string): string {
    const url = `${this.base}/pacts/provider/${enc(provider)}`;
    return tag === undefined ? url : `${url}/tag/${enc(tag)}`;
  }
  latestProviderPacts(provider: string, tag?: string): string {
    const url = `${this.base}/pacts/provider/${enc(provider)}/latest`;
    return tag === undefined ? url : `${url}/${enc(tag)}`;
  }
  latestVerification(provider: string, consumer: string, sha: string): string {
    return `${this.pactVersion(provider, consumer, sha)}/verification-results/latest`;
  }
  latestVerificationsForConsumerVersion(consumer: string, number: string): string {
    return `${this.version(consumer, number)}/latest-verification-results`;
  }
  doc(rel: string): string {
    return `${this.base}/doc/${enc(rel)}`;
  }
  providerPactsForVerification(provider: string): string {
    return `${this.base}/pacts/provider/${enc(provider)}/for-verification`;
  }
  matrix(): string {
    return `${this.base}/matrix`;
  }
}
