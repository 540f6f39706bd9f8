/** Deployed versions (one per application instance) and released versions, per environment. */
import { randomUUID } from "node:crypto";
import { BrokerNotFoundError } from "../errors.ts";
import { now } from "./base.ts";
import type { DeployedVersionRow, ReleasedVersionRow } from "./rows.ts";
import { EnvironmentStore } from "./environments.ts";

export class DeploymentStore extends EnvironmentStore {
  /**
   * Records a deployment. As in the Pact Broker, the version previously deployed to the same
   * environment and application instance is marked as undeployed.
   */
  recordDeployment(
    versionId: number,
    environmentId: number,
    applicationInstance: string | null,
  ): DeployedVersionRow {
    return this.write(() => {
      const version = this.versionById(versionId);
      const t = now();
      this.db
        .prepare(
          `UPDATE deployed_versions SET undeployed_at = ?
           WHERE environment_id = ? AND undeployed_at IS NULL AND coalesce(application_instance, '') = ?
             AND version_id IN (SELECT id FROM versions WHERE pacticipant_id = ?) AND version_id != ?`,
        )
        .run(t, environmentId, applicationInstance ?? "", version.pacticipant_id, versionId);
      const existing = this.db
        .prepare(
          `SELECT * FROM deployed_versions WHERE version_id = ? AND environment_id = ? AND undeployed_at IS NULL
           AND coalesce(application_instance, '') = ?`,
        )
        .get(versionId, environmentId, applicationInstance ?? "") as DeployedVersionRow | undefined;
      if (existing) return existing;
      const info = this.db
        .prepare(
          `INSERT INTO deployed_versions (uuid, version_id, environment_id, application_instance, created_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(randomUUID(), versionId, environmentId, applicationInstance, t);
      return this.db
        .prepare("SELECT * FROM deployed_versions WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as DeployedVersionRow;
    });
  }

  findDeployedVersion(uuid: string): DeployedVersionRow | undefined {
    return this.db.prepare("SELECT * FROM deployed_versions WHERE uuid = ?").get(uuid) as
      DeployedVersionRow | undefined;
  }

  markUndeployed(uuid: string): DeployedVersionRow {
    return this.write(() => {
      this.db
        .prepare("UPDATE deployed_versions SET undeployed_at = coalesce(undeployed_at, ?) WHERE uuid = ?")
        .run(now(), uuid);
      const row = this.findDeployedVersion(uuid);
      if (!row) throw new BrokerNotFoundError(`No deployed version with uuid '${uuid}' found`);
      return row;
    });
  }

  deployedVersionsOf(versionId: number, environmentId?: number): DeployedVersionRow[] {
    if (environmentId === undefined) {
      return this.db
        .prepare("SELECT * FROM deployed_versions WHERE version_id = ? ORDER BY id")
        .all(versionId) as DeployedVersionRow[];
    }
    return this.db
      .prepare("SELECT * FROM deployed_versions WHERE version_id = ? AND environment_id = ? ORDER BY id")
      .all(versionId, environmentId) as DeployedVersionRow[];
  }

  /** Currently deployed versions, optionally narrowed to an environment and a pacticipant. */
  currentlyDeployed(filter: { environmentId?: number; pacticipantId?: number } = {}): DeployedVersionRow[] {
    return this.db
      .prepare(
        `SELECT d.* FROM deployed_versions d JOIN versions v ON v.id = d.version_id
         WHERE d.undeployed_at IS NULL
           AND (? IS NULL OR d.environment_id = ?) AND (? IS NULL OR v.pacticipant_id = ?)
         ORDER BY d.id`,
      )
      .all(
        filter.environmentId ?? null,
        filter.environmentId ?? null,
        filter.pacticipantId ?? null,
        filter.pacticipantId ?? null,
      ) as DeployedVersionRow[];
  }

  recordRelease(versionId: number, environmentId: number): ReleasedVersionRow {
    return this.write(() => {
      const existing = this.db
        .prepare("SELECT * FROM released_versions WHERE version_id = ? AND environment_id = ?")
        .get(versionId, environmentId) as ReleasedVersionRow | undefined;
      if (existing) {
        if (existing.support_ended_at) {
          this.db
            .prepare("UPDATE released_versions SET support_ended_at = NULL WHERE id = ?")
            .run(existing.id);
          return this.findReleasedVersion(existing.uuid)!;
        }
        return existing;
      }
      const info = this.db
        .prepare(
          "INSERT INTO released_versions (uuid, version_id, environment_id, created_at) VALUES (?, ?, ?, ?)",
        )
        .run(randomUUID(), versionId, environmentId, now());
      return this.db
        .prepare("SELECT * FROM released_versions WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as ReleasedVersionRow;
    });
  }

  findReleasedVersion(uuid: string): ReleasedVersionRow | undefined {
    return this.db.prepare("SELECT * FROM released_versions WHERE uuid = ?").get(uuid) as
      ReleasedVersionRow | undefined;
  }

  markSupportEnded(uuid: string): ReleasedVersionRow {
    return this.write(() => {
      this.db
        .prepare(
          "UPDATE released_versions SET support_ended_at = coalesce(support_ended_at, ?) WHERE uuid = ?",
        )
        .run(now(), uuid);
      const row = this.findReleasedVersion(uuid);
      if (!row) throw new BrokerNotFoundError(`No released version with uuid '${uuid}' found`);
      return row;
    });
  }

  releasedVersionsOf(versionId: number, environmentId?: number): ReleasedVersionRow[] {
    if (environmentId === undefined) {
      return this.db
        .prepare("SELECT * FROM released_versions WHERE version_id = ? ORDER BY id")
        .all(versionId) as ReleasedVersionRow[];
    }
    return this.db
      .prepare("SELECT * FROM released_versions WHERE version_id = ? AND environment_id = ? ORDER BY id")
      .all(versionId, environmentId) as ReleasedVersionRow[];
  }

  currentlySupported(filter: { environmentId?: number; pacticipantId?: number } = {}): ReleasedVersionRow[] {
    return this.db
      .prepare(
        `SELECT r.* FROM released_versions r JOIN versions v ON v.id = r.version_id
         WHERE r.support_ended_at IS NULL
           AND (? IS NULL OR r.environment_id = ?) AND (? IS NULL OR v.pacticipant_id = ?)
         ORDER BY r.id`,
      )
      .all(
        filter.environmentId ?? null,
        filter.environmentId ?? null,
        filter.pacticipantId ?? null,
        filter.pacticipantId ?? null,
      ) as ReleasedVersionRow[];
  }
}
