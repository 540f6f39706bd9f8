/** Pact publications and pact versions (content deduplicated by SHA). */
import { now } from "./base.ts";
import { mergePactContent, pactContentSha } from "./content.ts";
import type { PacticipantRow, VersionRow, PactVersionRow, PublicationRow, PublicationView } from "./rows.ts";
import { DeploymentStore } from "./deployments.ts";

export interface PublishPactResult {
  publication: PublicationRow;
  pactVersion: PactVersionRow;
  /** First publication for this consumer version and provider. */
  created: boolean;
  /** The content differs from the previous revision for this consumer version and provider. */
  contentChanged: boolean;
}

export class PactStore extends DeploymentStore {
  /** Stores a pact for a consumer version and provider (a new revision if one exists). */
  publishPact(input: {
    consumerVersion: VersionRow;
    provider: PacticipantRow;
    content: Record<string, unknown>;
    merge: boolean;
  }): PublishPactResult {
    return this.write(() => {
      const previous = this.latestPublication(input.consumerVersion.id, input.provider.id);
      let content = input.content;
      if (previous && input.merge) {
        const prevContent = JSON.parse(this.pactVersionById(previous.pact_version_id).content) as Record<
          string,
          unknown
        >;
        content = mergePactContent(prevContent, input.content);
      }
      const sha = pactContentSha(content);
      let pactVersion = this.db
        .prepare("SELECT * FROM pact_versions WHERE consumer_id = ? AND provider_id = ? AND sha = ?")
        .get(input.consumerVersion.pacticipant_id, input.provider.id, sha) as PactVersionRow | undefined;
      if (!pactVersion) {
        pactVersion = this.db
          .prepare(
            "INSERT INTO pact_versions (consumer_id, provider_id, sha, content, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
          )
          .get(
            input.consumerVersion.pacticipant_id,
            input.provider.id,
            sha,
            JSON.stringify(content),
            now(),
          ) as PactVersionRow;
      }
      if (previous && previous.pact_version_id === pactVersion.id) {
        return { publication: previous, pactVersion, created: false, contentChanged: false };
      }
      const publication = this.db
        .prepare(
          `INSERT INTO pact_publications (consumer_version_id, provider_id, pact_version_id, revision, created_at)
           VALUES (?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          input.consumerVersion.id,
          input.provider.id,
          pactVersion.id,
          (previous?.revision ?? 0) + 1,
          now(),
        ) as PublicationRow;
      return { publication, pactVersion, created: !previous, contentChanged: true };
    });
  }

  pactVersionById(id: number): PactVersionRow {
    return this.db.prepare("SELECT * FROM pact_versions WHERE id = ?").get(id) as PactVersionRow;
  }

  findPactVersion(consumerId: number, providerId: number, sha: string): PactVersionRow | undefined {
    return this.db
      .prepare("SELECT * FROM pact_versions WHERE consumer_id = ? AND provider_id = ? AND sha = ?")
      .get(consumerId, providerId, sha) as PactVersionRow | undefined;
  }

  /**
   * The content sha of the newest publication between a consumer and a provider among the
   * consumer's versions on `branch`, or with `tag`, or (neither) with no branch and no tag.
   */
  latestShaIn(
    consumerId: number,
    providerId: number,
    scope: { branch: string } | { tag: string } | { untagged: true },
  ): string | undefined {
    const where =
      "branch" in scope
        ? `EXISTS (SELECT 1 FROM branch_versions bv JOIN branches b ON b.id = bv.branch_id
             WHERE bv.version_id = v.id AND b.name = ?)`
        : "tag" in scope
          ? "EXISTS (SELECT 1 FROM tags t WHERE t.version_id = v.id AND t.name = ?)"
          : `NOT EXISTS (SELECT 1 FROM branch_versions bv WHERE bv.version_id = v.id)
             AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.version_id = v.id)`;
    const args = "branch" in scope ? [scope.branch] : "tag" in scope ? [scope.tag] : [];
    const row = this.db
      .prepare(
        `SELECT pv.sha FROM pact_publications p
         JOIN versions v ON v.id = p.consumer_version_id
         JOIN pact_versions pv ON pv.id = p.pact_version_id
         WHERE v.pacticipant_id = ? AND p.provider_id = ? AND ${where}
         ORDER BY p.id DESC LIMIT 1`,
      )
      .get(consumerId, providerId, ...args) as { sha: string } | undefined;
    return row?.sha;
  }

  latestPublication(consumerVersionId: number, providerId: number): PublicationRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM pact_publications WHERE consumer_version_id = ? AND provider_id = ? ORDER BY revision DESC LIMIT 1",
      )
      .get(consumerVersionId, providerId) as PublicationRow | undefined;
  }

  /** Whether the pact version was ever published before `beforePublicationId` (for "content changed" notices). */
  pactVersionPublishedBefore(pactVersionId: number, beforePublicationId: number): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM pact_publications WHERE pact_version_id = ? AND id < ? LIMIT 1")
        .get(pactVersionId, beforePublicationId) !== undefined
    );
  }

  /**
   * The latest revision of every publication, optionally for one provider and/or one consumer,
   * newest consumer version first, with branches and tags of the consumer version.
   */
  publications(
    filter: { providerId?: number; consumerId?: number; consumerVersionId?: number } = {},
  ): PublicationView[] {
    const rows = this.db
      .prepare(
        `SELECT p.*, pv.sha AS pv_sha, v.pacticipant_id AS c_id, v.number AS v_number, v.build_url AS v_build_url,
                v.created_at AS v_created_at
         FROM pact_publications p
         JOIN pact_versions pv ON pv.id = p.pact_version_id
         JOIN versions v ON v.id = p.consumer_version_id
         WHERE p.revision = (SELECT max(p2.revision) FROM pact_publications p2
                             WHERE p2.consumer_version_id = p.consumer_version_id AND p2.provider_id = p.provider_id)
           AND (? IS NULL OR p.provider_id = ?)
           AND (? IS NULL OR v.pacticipant_id = ?)
           AND (? IS NULL OR p.consumer_version_id = ?)
         ORDER BY v.id DESC, p.provider_id`,
      )
      .all(
        filter.providerId ?? null,
        filter.providerId ?? null,
        filter.consumerId ?? null,
        filter.consumerId ?? null,
        filter.consumerVersionId ?? null,
        filter.consumerVersionId ?? null,
      ) as (PublicationRow & {
      pv_sha: string;
      c_id: number;
      v_number: string;
      v_build_url: string | null;
      v_created_at: string;
    })[];
    const pacticipants = new Map<number, PacticipantRow>();
    const pacticipant = (id: number): PacticipantRow => {
      let p = pacticipants.get(id);
      if (!p) {
        p = this.pacticipantById(id);
        pacticipants.set(id, p);
      }
      return p;
    };
    const branchesStmt = this.db.prepare(
      `SELECT b.name FROM branches b JOIN branch_versions bv ON bv.branch_id = b.id WHERE bv.version_id = ? ORDER BY bv.created_at, b.id`,
    );
    const tagsStmt = this.db.prepare("SELECT name FROM tags WHERE version_id = ? ORDER BY created_at, name");
    const versionExtras = new Map<number, { branches: string[]; tags: string[] }>();
    return rows.map((r) => {
      let extras = versionExtras.get(r.consumer_version_id);
      if (!extras) {
        extras = {
          branches: (branchesStmt.all(r.consumer_version_id) as { name: string }[]).map((b) => b.name),
          tags: (tagsStmt.all(r.consumer_version_id) as { name: string }[]).map((t) => t.name),
        };
        versionExtras.set(r.consumer_version_id, extras);
      }
      return {
        publication: {
          id: r.id,
          consumer_version_id: r.consumer_version_id,
          provider_id: r.provider_id,
          pact_version_id: r.pact_version_id,
          revision: r.revision,
          created_at: r.created_at,
        },
        pactVersion: { id: r.pact_version_id, sha: r.pv_sha },
        consumer: pacticipant(r.c_id),
        provider: pacticipant(r.provider_id),
        consumerVersion: {
          id: r.consumer_version_id,
          pacticipant_id: r.c_id,
          number: r.v_number,
          build_url: r.v_build_url,
          created_at: r.v_created_at,
        },
        branches: extras.branches,
        tags: extras.tags,
      };
    });
  }
}
