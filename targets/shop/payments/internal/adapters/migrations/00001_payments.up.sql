CREATE TABLE payments (
    id           text PRIMARY KEY,
    -- One payment per charge key: concurrent duplicate charges meet here (ON CONFLICT).
    charge_key   text NOT NULL UNIQUE,
    order_id     text NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency     char(3) NOT NULL,
    status       text NOT NULL CHECK (status IN ('captured', 'refunded')),
    -- One refund per refund key, and a refunded payment always has one.
    refund_key   text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    refunded_at  timestamptz,
    CHECK ((status = 'refunded') = (refund_key IS NOT NULL))
);

CREATE INDEX payments_order_id_idx ON payments (order_id);
