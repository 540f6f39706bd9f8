/**
 * Durable storage of the broker in SQLite (better-sqlite3): WAL journal, synchronous=FULL, every
 * write in one transaction, so a write the server acknowledged survives a kill and a write that was
 * cut off leaves nothing half-done.
 *
 * The model follows the Pact Broker's: pacticipants have versions; versions sit on branches and
 * carry tags; a pact publication ties a consumer version to a provider and to a pact version (the
 * content, deduplicated by a SHA of what affects verification); verifications belong to the pact
 * version, so identical content published under a new consumer version shares its results.
 */
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BrokerConflictError, BrokerNotFoundError, BrokerStartError } from "../errors.ts";

export interface PacticipantRow {
  id: number;
  name: string;
  display_name: string | null;
  main_branch: string | null;
  repository_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface VersionRow {
  id: number;
  pacticipant_id: number;
  number: string;
  build_url: string | null;
  created_at: string;
}

export interface BranchRow {
  id: number;
  pacticipant_id: number;
  name: string;
  created_at: string;
}

export interface TagRow {
  version_id: number;
  name: string;
  created_at: string;
}

export interface EnvironmentRow {
  id: number;
  uuid: string;
  name: string;
  display_name: string | null;
  production: number;
  contacts: string | null;
  created_at: string;
  updated_at: string;
}

export interface PactVersionRow {
  id: number;
  consumer_id: number;
  provider_id: number;
  sha: string;
  content: string;
  created_at: string;
}

export interface PublicationRow {
  id: number;
  consumer_version_id: number;
  provider_id: number;
  pact_version_id: number;
  revision: number;
  created_at: string;
}

export interface VerificationRow {
  id: number;
  pact_version_id: number;
  provider_version_id: number;
  number: number;
  success: number;
  build_url: string | null;
  test_results: string | null;
  verified_by: string | null;
  wip: number;
  pending: number | null;
  consumer_version_numbers: string | null;
  created_at: string;
}

export interface DeployedVersionRow {
  id: number;
  uuid: string;
  version_id: number;
  environment_id: number;
  application_instance: string | null;
  created_at: string;
  undeployed_at: string | null;
}

export interface ReleasedVersionRow {
  id: number;
  uuid: string;
  version_id: number;
  environment_id: number;
  created_at: string;
  support_ended_at: string | null;
}

/** A publication with everything the selection and matrix logic needs, loaded in one go. */
export interface PublicationView {
  publication: PublicationRow;
  pactVersion: { id: number; sha: string };
  consumer: PacticipantRow;
  provider: PacticipantRow;
  consumerVersion: VersionRow;
  branches: string[];
  tags: string[];
}

/** A verification with its provider version, branches and tags. */
export interface VerificationView {
  verification: VerificationRow;
  providerVersion: VersionRow;
  providerBranches: string[];
  providerTags: string[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pacticipants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT,
  main_branch TEXT,
  repository_url TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY,
  pacticipant_id INTEGER NOT NULL REFERENCES pacticipants(id),
  number TEXT NOT NULL,
  build_url TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (pacticipant_id, number)
);
CREATE TABLE IF NOT EXISTS branches (
  id INTEGER PRIMARY KEY,
  pacticipant_id INTEGER NOT NULL REFERENCES pacticipants(id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (pacticipant_id, name)
);
CREATE TABLE IF NOT EXISTS branch_versions (
  branch_id INTEGER NOT NULL REFERENCES branches(id),
  version_id INTEGER NOT NULL REFERENCES versions(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (branch_id, version_id)
);
CREATE INDEX IF NOT EXISTS branch_versions_version ON branch_versions(version_id);
CREATE TABLE IF NOT EXISTS tags (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (version_id, name)
);
CREATE TABLE IF NOT EXISTS environments (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT,
  production INTEGER NOT NULL DEFAULT 0,
  contacts TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pact_versions (
  id INTEGER PRIMARY KEY,
  consumer_id INTEGER NOT NULL REFERENCES pacticipants(id),
  provider_id INTEGER NOT NULL REFERENCES pacticipants(id),
  sha TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (consumer_id, provider_id, sha)
);
CREATE TABLE IF NOT EXISTS pact_publications (
  id INTEGER PRIMARY KEY,
  consumer_version_id INTEGER NOT NULL REFERENCES versions(id),
  provider_id INTEGER NOT NULL REFERENCES pacticipants(id),
  pact_version_id INTEGER NOT NULL REFERENCES pact_versions(id),
  revision INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (consumer_version_id, provider_id, revision)
);
CREATE INDEX IF NOT EXISTS pact_publications_provider ON pact_publications(provider_id);
CREATE TABLE IF NOT EXISTS verifications (
  id INTEGER PRIMARY KEY,
  pact_version_id INTEGER NOT NULL REFERENCES pact_versions(id),
  provider_version_id INTEGER NOT NULL REFERENCES versions(id),
  number INTEGER NOT NULL,
  success INTEGER NOT NULL,
  build_url TEXT,
  test_results TEXT,
  verified_by TEXT,
  wip INTEGER NOT NULL DEFAULT 0,
  pending INTEGER,
  consumer_version_numbers TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (pact_version_id, number)
);
CREATE INDEX IF NOT EXISTS verifications_provider_version ON verifications(provider_version_id);
CREATE TABLE IF NOT EXISTS deployed_versions (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  application_instance TEXT,
  created_at TEXT NOT NULL,
  undeployed_at TEXT
);
CREATE TABLE IF NOT EXISTS released_versions (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  created_at TEXT NOT NULL,
  support_ended_at TEXT,
  UNIQUE (version_id, environment_id)
);
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The SHA that identifies a pact version: over the parts of the pact that affect verification
 * (consumer, provider, interactions/messages), not the metadata a client library stamps on it, so
 * the same contract published by two library versions shares its verification results.
 */
export function pactContentSha(content: Record<string, unknown>): string {
  const relevant = {
    consumer: content.consumer,
    provider: content.provider,
    interactions: content.interactions,
    messages: content.messages,
  };
  return createHash("sha1").update(canonical(relevant)).digest("hex");
}

/** Merge two pacts' interactions: same description + provider states replaces, others are added. */
function mergePactContent(
  previous: Record<string, unknown>,
  next: Record<string, unknown>,
): Record<string, unknown> {
  const key = (i: unknown): string => {
    const o = (i ?? {}) as Record<string, unknown>;
    return canonical({ d: o.description, s: o.providerState, ss: o.providerStates, t: o.type });
  };
  const merged: Record<string, unknown> = { ...previous, ...next };
  for (const field of ["interactions", "messages"] as const) {
    const a = Array.isArray(previous[field]) ? (previous[field] as unknown[]) : [];
    const b = Array.isArray(next[field]) ? (next[field] as unknown[]) : [];
    if (a.length === 0 && b.length === 0) continue;
    const byKey = new Map<string, unknown>();
    for (const i of a) byKey.set(key(i), i);
    for (const i of b) byKey.set(key(i), i);
    merged[field] = [...byKey.values()];
  }
  return merged;
}

function now(): string {
  return new Date().toISOString();
}

export interface PublishPactResult {
  publication: PublicationRow;
  pactVersion: PactVersionRow;
  /** First publication for this consumer version and provider. */
  created: boolean;
  /** The content differs from the previous revision for this consumer version and provider. */
  contentChanged: boolean;
}

export class BrokerStore {
  private readonly db: Database.Database;
  readonly file: string;

  private constructor(db: Database.Database, file: string) {
    this.db = db;
    this.file = file;
  }

  /** Opens (creating if needed) `<dataDir>/broker.sqlite`. */
  static open(dataDir: string): BrokerStore {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (err) {
      throw new BrokerStartError(`broker data directory ${dataDir} cannot be created`, { cause: err });
    }
    const file = path.join(dataDir, "broker.sqlite");
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 5000");
      db.exec(SCHEMA);
    } catch (err) {
      throw new BrokerStartError(`broker database ${file} cannot be opened`, { cause: err });
    }
    return new BrokerStore(db, file);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  integrityCheck(): string {
    return String(this.db.pragma("integrity_check", { simple: true }));
  }

  /** Runs `fn` in one immediate transaction. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---------------------------------------------------------------- pacticipants

  findPacticipant(name: string): PacticipantRow | undefined {
    return this.db.prepare("SELECT * FROM pacticipants WHERE name = ?").get(name) as
      PacticipantRow | undefined;
  }

  getPacticipant(name: string): PacticipantRow {
    const p = this.findPacticipant(name);
    if (!p) throw new BrokerNotFoundError(`No pacticipant with name '${name}' found`);
    return p;
  }

  pacticipantById(id: number): PacticipantRow {
    return this.db.prepare("SELECT * FROM pacticipants WHERE id = ?").get(id) as PacticipantRow;
  }

  listPacticipants(): PacticipantRow[] {
    return this.db.prepare("SELECT * FROM pacticipants ORDER BY lower(name)").all() as PacticipantRow[];
  }

  createPacticipant(input: {
    name: string;
    displayName?: string | null;
    mainBranch?: string | null;
    repositoryUrl?: string | null;
  }): PacticipantRow {
    return this.write(() => {
      if (this.findPacticipant(input.name)) {
        throw new BrokerConflictError(`A pacticipant with name '${input.name}' already exists`);
      }
      const t = now();
      const info = this.db
        .prepare(
          `INSERT INTO pacticipants (name, display_name, main_branch, repository_url, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.name,
          input.displayName ?? null,
          input.mainBranch ?? null,
          input.repositoryUrl ?? null,
          t,
          t,
        );
      return this.pacticipantById(Number(info.lastInsertRowid));
    });
  }

  /** Sets the given fields (undefined leaves a field unchanged, null clears it); creates if missing. */
  upsertPacticipant(
    name: string,
    fields: { displayName?: string | null; mainBranch?: string | null; repositoryUrl?: string | null },
  ): { pacticipant: PacticipantRow; created: boolean } {
    return this.write(() => {
      const existing = this.findPacticipant(name);
      if (!existing) {
        return { pacticipant: this.createPacticipant({ name, ...fields }), created: true };
      }
      const next = {
        display_name: fields.displayName === undefined ? existing.display_name : fields.displayName,
        main_branch: fields.mainBranch === undefined ? existing.main_branch : fields.mainBranch,
        repository_url: fields.repositoryUrl === undefined ? existing.repository_url : fields.repositoryUrl,
      };
      this.db
        .prepare(
          "UPDATE pacticipants SET display_name = ?, main_branch = ?, repository_url = ?, updated_at = ? WHERE id = ?",
        )
        .run(next.display_name, next.main_branch, next.repository_url, now(), existing.id);
      return { pacticipant: this.pacticipantById(existing.id), created: false };
    });
  }

  ensurePacticipant(name: string): PacticipantRow {
    return this.findPacticipant(name) ?? this.createPacticipant({ name });
  }

  // ---------------------------------------------------------------- versions, branches, tags

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

  ensureVersion(pacticipantId: number, number: string, buildUrl?: string | null): VersionRow {
    return this.write(() => {
      const existing = this.findVersion(pacticipantId, number);
      if (existing) {
        if (buildUrl !== undefined && buildUrl !== existing.build_url) {
          this.db.prepare("UPDATE versions SET build_url = ? WHERE id = ?").run(buildUrl, existing.id);
          return this.versionById(existing.id);
        }
        return existing;
      }
      const info = this.db
        .prepare("INSERT INTO versions (pacticipant_id, number, build_url, created_at) VALUES (?, ?, ?, ?)")
        .run(pacticipantId, number, buildUrl ?? null, now());
      return this.versionById(Number(info.lastInsertRowid));
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

  // ---------------------------------------------------------------- environments

  listEnvironments(): EnvironmentRow[] {
    return this.db.prepare("SELECT * FROM environments ORDER BY name").all() as EnvironmentRow[];
  }

  findEnvironmentByName(name: string): EnvironmentRow | undefined {
    return this.db.prepare("SELECT * FROM environments WHERE name = ?").get(name) as
      EnvironmentRow | undefined;
  }

  findEnvironmentByUuid(uuid: string): EnvironmentRow | undefined {
    return this.db.prepare("SELECT * FROM environments WHERE uuid = ?").get(uuid) as
      EnvironmentRow | undefined;
  }

  getEnvironmentByUuid(uuid: string): EnvironmentRow {
    const e = this.findEnvironmentByUuid(uuid);
    if (!e) throw new BrokerNotFoundError(`No environment with uuid '${uuid}' found`);
    return e;
  }

  createEnvironment(input: {
    name: string;
    displayName?: string | null;
    production: boolean;
    contacts?: unknown;
    uuid?: string;
  }): EnvironmentRow {
    return this.write(() => {
      if (this.findEnvironmentByName(input.name)) {
        throw new BrokerConflictError(`Another environment with name '${input.name}' already exists.`);
      }
      const t = now();
      const info = this.db
        .prepare(
          `INSERT INTO environments (uuid, name, display_name, production, contacts, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.uuid ?? randomUUID(),
          input.name,
          input.displayName ?? null,
          input.production ? 1 : 0,
          input.contacts === undefined ? null : JSON.stringify(input.contacts),
          t,
          t,
        );
      return this.db
        .prepare("SELECT * FROM environments WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as EnvironmentRow;
    });
  }

  updateEnvironment(
    uuid: string,
    input: { name: string; displayName?: string | null; production: boolean; contacts?: unknown },
  ): EnvironmentRow {
    return this.write(() => {
      const env = this.getEnvironmentByUuid(uuid);
      const clash = this.findEnvironmentByName(input.name);
      if (clash && clash.id !== env.id) {
        throw new BrokerConflictError(`Another environment with name '${input.name}' already exists.`);
      }
      this.db
        .prepare(
          "UPDATE environments SET name = ?, display_name = ?, production = ?, contacts = ?, updated_at = ? WHERE id = ?",
        )
        .run(
          input.name,
          input.displayName ?? null,
          input.production ? 1 : 0,
          input.contacts === undefined ? env.contacts : JSON.stringify(input.contacts),
          now(),
          env.id,
        );
      return this.getEnvironmentByUuid(uuid);
    });
  }

  deleteEnvironment(uuid: string): void {
    this.write(() => {
      const env = this.getEnvironmentByUuid(uuid);
      this.db.prepare("DELETE FROM deployed_versions WHERE environment_id = ?").run(env.id);
      this.db.prepare("DELETE FROM released_versions WHERE environment_id = ?").run(env.id);
      this.db.prepare("DELETE FROM environments WHERE id = ?").run(env.id);
    });
  }

  // ---------------------------------------------------------------- deployments and releases

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

  // ---------------------------------------------------------------- pacts

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
        const info = this.db
          .prepare(
            "INSERT INTO pact_versions (consumer_id, provider_id, sha, content, created_at) VALUES (?, ?, ?, ?, ?)",
          )
          .run(input.consumerVersion.pacticipant_id, input.provider.id, sha, JSON.stringify(content), now());
        pactVersion = this.pactVersionById(Number(info.lastInsertRowid));
      }
      if (previous && previous.pact_version_id === pactVersion.id) {
        return { publication: previous, pactVersion, created: false, contentChanged: false };
      }
      const info = this.db
        .prepare(
          `INSERT INTO pact_publications (consumer_version_id, provider_id, pact_version_id, revision, created_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(
          input.consumerVersion.id,
          input.provider.id,
          pactVersion.id,
          (previous?.revision ?? 0) + 1,
          now(),
        );
      const publication = this.db
        .prepare("SELECT * FROM pact_publications WHERE id = ?")
        .get(Number(info.lastInsertRowid)) as PublicationRow;
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

  // ---------------------------------------------------------------- verifications

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

  /** Counts for the HTML page and diagnostics. */
  counts(): Record<string, number> {
    const count = (table: string): number =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      pacticipants: count("pacticipants"),
      versions: count("versions"),
      pactPublications: count("pact_publications"),
      pactVersions: count("pact_versions"),
      verifications: count("verifications"),
      environments: count("environments"),
    };
  }
}
