/** Verification results, which belong to a pact version. */
import { now } from "./base.ts";
import type { Json } from "./content.ts";
import type { VersionRow, VerificationRow, VerificationView } from "./rows.ts";
import { PactStore } from "./pacts.ts";

export class VerificationStore extends PactStore {
  createVerification(input: {
    pactVersionId: number;
    providerVersionId: number;
    success: boolean;
    buildUrl?: string | null;
    testResults?: Json | undefined;
    verifiedBy?: Json | undefined;
    wip: boolean;
    pending: boolean | null;
    consumerVersionNumbers: string[];
  }): VerificationRow {
    return this.write(() => {
      const next =
        ((
          this.db
            .prepare("SELECT max(number) AS n FROM verifications WHERE pact_version_id = ?")
            .get(input.pactVersionId) as {
            n: number | null;
          }
        ).n ?? 0) + 1;
      const info = this.db
        .prepare(
          `INSERT INTO verifications (pact_version_id, provider_version_id, number, success, build_url, test_results,
             verified_by, wip, pending, consumer_version_numbers, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.pactVersionId,
          input.providerVersionId,
          next,
          input.success ? 1 : 0,
          input.buildUrl ?? null,
          input.testResults === undefined ? null : JSON.stringify(input.testResults),
          input.verifiedBy === undefined ? null : JSON.stringify(input.verifiedBy),
          input.wip ? 1 : 0,
          input.pending === null ? null : input.pending ? 1 : 0,
          JSON.stringify(input.consumerVersionNumbers),
          now(),
        );
      return this.db
        .prepare("SELECT * FROM verifications WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as VerificationRow;
    });
  }

  findVerification(pactVersionId: number, number: number): VerificationRow | undefined {
    return this.db
      .prepare("SELECT * FROM verifications WHERE pact_version_id = ? AND number = ?")
      .get(pactVersionId, number) as VerificationRow | undefined;
  }

  /** Verifications of the given pact versions, newest first, with provider version data. */
  verificationsFor(pactVersionIds: number[]): Map<number, VerificationView[]> {
    const result = new Map<number, VerificationView[]>();
    if (pactVersionIds.length === 0) return result;
    const unique = [...new Set(pactVersionIds)];
    const rows = this.db
      .prepare(
        `SELECT * FROM verifications WHERE pact_version_id IN (${unique.map(() => "?").join(",")}) ORDER BY id DESC`,
      )
      .all(...unique) as VerificationRow[];
    const versionCache = new Map<number, { version: VersionRow; branches: string[]; tags: string[] }>();
    for (const v of rows) {
      let pv = versionCache.get(v.provider_version_id);
      if (!pv) {
        pv = {
          version: this.versionById(v.provider_version_id),
          branches: this.branchesOfVersion(v.provider_version_id),
          tags: this.tagsOfVersion(v.provider_version_id).map((t) => t.name),
        };
        versionCache.set(v.provider_version_id, pv);
      }
      const list = result.get(v.pact_version_id) ?? [];
      list.push({
        verification: v,
        providerVersion: pv.version,
        providerBranches: pv.branches,
        providerTags: pv.tags,
      });
      result.set(v.pact_version_id, list);
    }
    return result;
  }
}
