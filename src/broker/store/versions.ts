/** Versions of a pacticipant, the branches they sit on and the tags they carry. */
import { BrokerNotFoundError } from "../errors.ts";
import { now } from "./base.ts";
import type { PacticipantRow, VersionRow, BranchRow, TagRow } from "./rows.ts";
import { PacticipantStore } from "./pacticipants.ts";

export class VersionStore extends PacticipantStore {
  findVersion(pacticipantId: number, number: string): VersionRow | undefined {
    return this.db
      .prepare("SELECT * FROM versions WHERE pacticipant_id = ? AND number = ?")
      .get(pacticipantId, number) as VersionRow | undefined;
  }

  getVersion(pacticipant: PacticipantRow, number: string): VersionRow {
    const v = this.findVersion(pacticipant.id, number);
    if (!v)
      throw new BrokerNotFoundError(`No version '${number}' of pacticipant '${pacticipant.name}' found`);
    return v;
  }

  versionById(id: number): VersionRow {
    return this.db.prepare("SELECT * FROM versions WHERE id = ?").get(id) as VersionRow;
  }

  /** `known`: the version as the caller read it in this transaction (null: there was none), when it did. */
  ensureVersion(
    pacticipantId: number,
    number: string,
    buildUrl?: string | null,
    known?: VersionRow | null,
  ): VersionRow {
    return this.write(() => {
      const existing = known === undefined ? this.findVersion(pacticipantId, number) : known;
      if (existing) {
        if (buildUrl !== undefined && buildUrl !== existing.build_url) {
          this.db.prepare("UPDATE versions SET build_url = ? WHERE id = ?").run(buildUrl, existing.id);
          return this.versionById(existing.id);
        }
        return existing;
      }
      return this.db
        .prepare(
          "INSERT INTO versions (pacticipant_id, number, build_url, created_at) VALUES (?, ?, ?, ?) RETURNING *",
        )
        .get(pacticipantId, number, buildUrl ?? null, now()) as VersionRow;
    });
  }

  listVersions(pacticipantId: number): VersionRow[] {
    return this.db
      .prepare("SELECT * FROM versions WHERE pacticipant_id = ? ORDER BY id DESC")
      .all(pacticipantId) as VersionRow[];
  }

  latestVersion(
    pacticipantId: number,
    filter: { tag?: string; branch?: string } = {},
  ): VersionRow | undefined {
    if (filter.tag !== undefined) {
      return this.db
        .prepare(
          `SELECT v.* FROM versions v JOIN tags t ON t.version_id = v.id
           WHERE v.pacticipant_id = ? AND t.name = ? ORDER BY v.id DESC LIMIT 1`,
        )
        .get(pacticipantId, filter.tag) as VersionRow | undefined;
    }
    if (filter.branch !== undefined) {
      return this.db
        .prepare(
          `SELECT v.* FROM versions v JOIN branch_versions bv ON bv.version_id = v.id
           JOIN branches b ON b.id = bv.branch_id
           WHERE v.pacticipant_id = ? AND b.name = ? ORDER BY v.id DESC LIMIT 1`,
        )
        .get(pacticipantId, filter.branch) as VersionRow | undefined;
    }
    return this.db
      .prepare("SELECT * FROM versions WHERE pacticipant_id = ? ORDER BY id DESC LIMIT 1")
      .get(pacticipantId) as VersionRow | undefined;
  }

  versionsWithTag(pacticipantId: number, tag: string): VersionRow[] {
    return this.db
      .prepare(
        `SELECT v.* FROM versions v JOIN tags t ON t.version_id = v.id
         WHERE v.pacticipant_id = ? AND t.name = ? ORDER BY v.id DESC`,
      )
      .all(pacticipantId, tag) as VersionRow[];
  }

  versionsOnBranch(pacticipantId: number, branch: string): VersionRow[] {
    return this.db
      .prepare(
        `SELECT v.* FROM versions v JOIN branch_versions bv ON bv.version_id = v.id
         JOIN branches b ON b.id = bv.branch_id
         WHERE v.pacticipant_id = ? AND b.name = ? ORDER BY v.id DESC`,
      )
      .all(pacticipantId, branch) as VersionRow[];
  }

  findBranch(pacticipantId: number, name: string): BranchRow | undefined {
    return this.db
      .prepare("SELECT * FROM branches WHERE pacticipant_id = ? AND name = ?")
      .get(pacticipantId, name) as BranchRow | undefined;
  }

  listBranches(pacticipantId: number): BranchRow[] {
    return this.db
      .prepare("SELECT * FROM branches WHERE pacticipant_id = ? ORDER BY id DESC")
      .all(pacticipantId) as BranchRow[];
  }

  /** Puts a version on a branch; returns whether it was newly added. */
  addBranchVersion(pacticipantId: number, branchName: string, versionId: number): boolean {
    return this.write(() => {
      let branch = this.findBranch(pacticipantId, branchName);
      if (!branch) {
        const info = this.db
          .prepare("INSERT INTO branches (pacticipant_id, name, created_at) VALUES (?, ?, ?)")
          .run(pacticipantId, branchName, now());
        branch = {
          id: Number(info.lastInsertRowid),
          pacticipant_id: pacticipantId,
          name: branchName,
          created_at: now(),
        };
      }
      const info = this.db
        .prepare("INSERT OR IGNORE INTO branch_versions (branch_id, version_id, created_at) VALUES (?, ?, ?)")
        .run(branch.id, versionId, now());
      return info.changes > 0;
    });
  }

  /** Sets the pacticipant's main branch when it has none; returns whether it did. */
  setMainBranchIfUnset(pacticipantId: number, branch: string): boolean {
    return this.write(
      () =>
        this.db
          .prepare(
            "UPDATE pacticipants SET main_branch = ?, updated_at = ? WHERE id = ? AND main_branch IS NULL",
          )
          .run(branch, now(), pacticipantId).changes > 0,
    );
  }

  branchesOfVersion(versionId: number): string[] {
    return (
      this.db
        .prepare(
          `SELECT b.name FROM branches b JOIN branch_versions bv ON bv.branch_id = b.id
           WHERE bv.version_id = ? ORDER BY bv.created_at, b.id`,
        )
        .all(versionId) as { name: string }[]
    ).map((r) => r.name);
  }

  /** Adds a tag; returns whether it was newly added. */
  addTag(versionId: number, name: string): boolean {
    return this.write(() => {
      const info = this.db
        .prepare("INSERT OR IGNORE INTO tags (version_id, name, created_at) VALUES (?, ?, ?)")
        .run(versionId, name, now());
      return info.changes > 0;
    });
  }

  deleteTag(versionId: number, name: string): boolean {
    return this.write(
      () =>
        this.db.prepare("DELETE FROM tags WHERE version_id = ? AND name = ?").run(versionId, name).changes >
        0,
    );
  }

  tagsOfVersion(versionId: number): TagRow[] {
    return this.db
      .prepare("SELECT * FROM tags WHERE version_id = ? ORDER BY created_at, name")
      .all(versionId) as TagRow[];
  }

  /** Whether `versionId` is the latest version of its pacticipant carrying tag `name`. */
  isLatestForTag(pacticipantId: number, versionId: number, name: string): boolean {
    return this.latestVersion(pacticipantId, { tag: name })?.id === versionId;
  }
}
