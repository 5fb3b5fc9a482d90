-- Catalog items and events. Ids that are only ever compared for equality or sorted as
-- tie-breakers (tenant, product, user, type) use COLLATE "C": byte order, the same order
-- SQLite gives, and cheaper index comparisons than a locale's.

-- +goose Up
CREATE TABLE catalog_items (
    tenant_id   text NOT NULL REFERENCES tenants (id),
    product_id  text COLLATE "C" NOT NULL,
    name        text NOT NULL,
    -- Go's strings.ToLower(name), written by UpsertItems: search folds case the same way
    -- whatever the database's collation, and the same as the SQLite store.
    name_folded text NOT NULL,
    category    text NOT NULL,
    price       double precision NOT NULL, -- float64 in the domain: read back exactly
    currency    text NOT NULL,
    image_url   text NOT NULL,
    url         text NOT NULL,
    description text NOT NULL,
    brand       text NOT NULL,
    attributes  jsonb CHECK (jsonb_typeof(attributes) = 'object'), -- NULL: none given
    available   boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, product_id)
);

-- FindItems: a tenant's items newest first, the dashboard's catalog page. Category,
-- availability and search filter rows along this order; catalogs are small next to events.
CREATE INDEX catalog_items_tenant_updated ON catalog_items (tenant_id, updated_at DESC, product_id);

-- Events are range-partitioned by month on occurred_at (DESIGN §3), so old months can be
-- detached or dropped whole. EnsureEventPartitions creates events_yYYYYmMM ahead of time
-- (Migrate makes this month and the next two); events_default catches anything outside,
-- e.g. a backfill of last year's history.
--
-- Every index and constraint here is paid on each insert, on the ingest path that must
-- take 100,000 events a second (DESIGN §9), so each must earn its place. Measured on
-- 5,000-event batches, each secondary index cost about 3.5 µs of database CPU an event
-- (the whole insert 15–25 µs), the foreign key to tenants about 3 µs:
--   * no primary key: it would need the partition key too, and nothing reads by id;
--   * no foreign key: AppendEvents checks the batch's tenants in one query instead, and
--     tenants are only ever soft-deleted;
--   * two indexes, below.
--
-- Fixed-width columns come first, so rows need no alignment padding.
CREATE TABLE events (
    id                bigint GENERATED ALWAYS AS IDENTITY, -- arrival order, a tie-breaker
    occurred_at       timestamptz NOT NULL,                -- the event's timestamp
    received_at       timestamptz NOT NULL,
    price             double precision,
    position          integer,
    quantity          integer,
    tenant_id         text COLLATE "C" NOT NULL,
    event_type        text COLLATE "C" NOT NULL CHECK (event_type IN ('product_viewed',
        'product_clicked', 'add_to_cart', 'remove_from_cart', 'purchase',
        'recommendation_clicked', 'recommendation_impressed')), -- FR-009
    user_id           text COLLATE "C" NOT NULL,
    product_id        text COLLATE "C" NOT NULL,
    -- Optional fields: NULL when absent (read back as "").
    session_id        text,
    anonymous_id      text,
    recommendation_id text,
    placement         text,
    order_id          text,
    currency          text,
    -- json, not jsonb: it keeps the caller's bytes, costs less to insert, and takes all
    -- that Go's json.Valid passes, where jsonb refuses "\u0000", a lone surrogate such as
    -- "\ud800" and numbers like 1e400: one such event would fail a whole group commit.
    metadata          json
) PARTITION BY RANGE (occurred_at);

CREATE TABLE events_default PARTITION OF events DEFAULT;

-- The dedup key (FR-010), allowed on the partitioned table as it holds the partition key.
-- Its column order makes it the user-history index as well: a user's events newest first
-- (the recent-events fallback when Redis is down, the userId filter, attribution's
-- "latest click by this user on this product"), so no (tenant, user, time) index is kept.
CREATE UNIQUE INDEX events_dedup ON events (tenant_id, user_id, occurred_at, event_type, product_id);

-- A tenant's events by time: the dashboard's events page (newest first), and every read
-- of a time range: rollups, attribution's purchases, model builds. It carries event_type
-- and product_id, so the dashboard's eventType and productId filters and rollups grouping
-- by type filter along this index (counting without reading the table) instead of
-- keeping (tenant, type, time) and (tenant, product, time) indexes. Add those only for a
-- reader that needs one type's or one product's events across all of a large tenant.
CREATE INDEX events_tenant_time ON events (tenant_id, occurred_at DESC) INCLUDE (event_type, product_id);

-- +goose Down
DROP TABLE events;
DROP TABLE catalog_items;
