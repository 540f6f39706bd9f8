-- Event IDs already handled. The dedupe of at-least-once delivery: a row is inserted in the
-- same transaction as the notification it caused.
CREATE TABLE processed_events (
    event_id     text        PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per handled delivery. No unique key on event_id on purpose: processed_events is
-- the dedupe, and the duplicate-delivery sabotage must be able to show what happens without it.
CREATE TABLE notifications (
    id         uuid        PRIMARY KEY,
    order_id   text        NOT NULL,
    event_id   text        NOT NULL,
    event_type text        NOT NULL,
    message    text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX notifications_order_id_created_at_idx ON notifications (order_id, created_at);
CREATE INDEX notifications_event_id_idx ON notifications (event_id);

-- Counters that must survive restarts (the invariant checks read them after a crash).
CREATE TABLE consumer_stats (
    id                 smallint PRIMARY KEY CHECK (id = 1),
    duplicates_skipped bigint   NOT NULL DEFAULT 0
);
INSERT INTO consumer_stats (id, duplicates_skipped) VALUES (1, 0);
