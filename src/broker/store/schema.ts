/**
 * The broker's SQLite schema as numbered migrations. The store records the number it reached in
 * `PRAGMA user_version` and applies the later ones at start, so an older database upgrades. The
 * first is idempotent (`IF NOT EXISTS`), because databases made before numbering carry 0.
 */
export const SCHEMA = `
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

/** Webhooks and their executions. */
const WEBHOOKS = `
CREATE TABLE webhooks (
  uuid TEXT PRIMARY KEY,
  description TEXT,
  consumer_name TEXT,
  provider_name TEXT,
  events TEXT NOT NULL,
  request TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE webhook_executions (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  webhook_uuid TEXT NOT NULL REFERENCES webhooks(uuid),
  event_name TEXT NOT NULL,
  consumer_name TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  consumer_version TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  logs TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX webhook_executions_webhook ON webhook_executions(webhook_uuid);
CREATE INDEX webhook_executions_pact ON webhook_executions(provider_name, consumer_name);
`;

/** Migration n (1-based) is `MIGRATIONS[n - 1]`; never edit one that shipped, add the next. */
export const MIGRATIONS: readonly string[] = [SCHEMA, WEBHOOKS];
