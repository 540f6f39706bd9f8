/** The broker's SQLite schema, applied (idempotently) every time the store opens. */
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
