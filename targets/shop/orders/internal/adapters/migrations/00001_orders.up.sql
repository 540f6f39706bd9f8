CREATE TABLE orders (
    id                  text        PRIMARY KEY,
    idempotency_key     text        NOT NULL,
    customer_id         text        NOT NULL,
    currency            text        NOT NULL,
    total_cents         bigint      NOT NULL CHECK (total_cents >= 0),
    status              text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
    cancellation_reason text        NOT NULL DEFAULT '',
    -- saga progress besides the per-step rows in saga_steps
    saga_compensating   boolean     NOT NULL DEFAULT false,
    saga_failure_reason text        NOT NULL DEFAULT '',
    version             bigint      NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT orders_idempotency_key_unique UNIQUE (idempotency_key)
);

-- saga recovery looks for PENDING orders nobody advanced for a while
CREATE INDEX orders_pending_by_updated_at ON orders (updated_at) WHERE status = 'PENDING';

CREATE TABLE order_lines (
    order_id         text   NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position         int    NOT NULL,
    sku              text   NOT NULL,
    quantity         int    NOT NULL CHECK (quantity > 0),
    unit_price_cents bigint NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, position)
);

CREATE TABLE saga_steps (
    order_id   text        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position   int         NOT NULL,
    step       text        NOT NULL,
    state      text        NOT NULL CHECK (state IN ('started', 'done', 'rejected', 'compensated')),
    ref        text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (order_id, step)
);

-- The transactional outbox: written in the same transaction as the order change,
-- published by the relay in seq order, marked with sent_at once the broker has it.
CREATE TABLE outbox (
    seq        bigserial   PRIMARY KEY,
    event_id   uuid        NOT NULL UNIQUE,
    event_type text        NOT NULL,
    order_id   text        NOT NULL,
    payload    json        NOT NULL,
    headers    jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL,
    sent_at    timestamptz
);

CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL;
