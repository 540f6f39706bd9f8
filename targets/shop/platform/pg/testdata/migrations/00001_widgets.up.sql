CREATE TABLE widgets (
    id   text PRIMARY KEY,
    -- Checked at COMMIT, so a transaction that breaks it fails in Commit, not in Exec.
    slot int NOT NULL UNIQUE DEFERRABLE INITIALLY DEFERRED
);
