-- Catalog items and events: the same columns, keys and indexes as PostgreSQL's, in plain
-- STRICT tables (no partitions). Times are timeText, JSON is text.

-- +goose Up
CREATE TABLE catalog_items (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    product_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_folded TEXT NOT NULL, -- Go's strings.ToLower(name): SQLite's LIKE folds ASCII only
    category    TEXT NOT NULL,
    price       REAL NOT NULL,
    currency    TEXT NOT NULL,
    image_url   TEXT NOT NULL,
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    brand       TEXT NOT NULL,
    attributes  TEXT CHECK (json_valid(attributes)), -- a JSON object; NULL: none given
    available   INTEGER NOT NULL CHECK (available IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, product_id)
) STRICT;

-- FindItems: a tenant's items newest first.
CREATE INDEX catalog_items_tenant_updated ON catalog_items (tenant_id, updated_at DESC, product_id);

CREATE TABLE events (
    id                INTEGER PRIMARY KEY, -- arrival order, a tie-breaker
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    event_type        TEXT NOT NULL CHECK (event_type IN ('product_viewed', 'product_clicked',
        'add_to_cart', 'remove_from_cart', 'purchase', 'recommendation_clicked',
        'recommendation_impressed')), -- FR-009
    user_id           TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    occurred_at       TEXT NOT NULL, -- the event's timestamp
    received_at       TEXT NOT NULL,
    -- Optional fields: NULL when absent.
    session_id        TEXT,
    anonymous_id      TEXT,
    recommendation_id TEXT,
    placement         TEXT,
    position          INTEGER,
    order_id          TEXT,
    price             REAL,
    quantity          INTEGER,
    currency          TEXT,
    metadata          TEXT CHECK (json_valid(metadata)) -- kept byte for byte
) STRICT;

-- The dedup key (FR-010), ordered to serve a user's events newest first as well.
CREATE UNIQUE INDEX events_dedup ON events (tenant_id, user_id, occurred_at, event_type, product_id);
-- A tenant's events by time, covering the type and product filters (see the PostgreSQL
-- migration for its readers, and why there are no more indexes).
CREATE INDEX events_tenant_time ON events (tenant_id, occurred_at DESC, event_type, product_id);

-- +goose Down
DROP TABLE events;
DROP TABLE catalog_items;
