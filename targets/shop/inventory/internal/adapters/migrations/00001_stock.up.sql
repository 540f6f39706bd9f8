CREATE TABLE products (
    sku         text PRIMARY KEY,
    name        text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    currency    char(3) NOT NULL,
    initial     integer NOT NULL CHECK (initial >= 0),
    available   integer NOT NULL CHECK (available >= 0),
    reserved    integer NOT NULL CHECK (reserved >= 0),
    -- Stock is conserved whatever the code does: no overselling, nothing lost.
    CONSTRAINT products_stock_conserved CHECK (available + reserved = initial)
);

CREATE TABLE reservations (
    id         text PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('reserved', 'released')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservation_lines (
    reservation_id text NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    sku            text NOT NULL REFERENCES products (sku),
    quantity       integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, sku)
);
