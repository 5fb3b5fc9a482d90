-- Analytics: stale marks, daily rollups and revenue attributions, the same tables, keys
-- and indexes as PostgreSQL's (see its migration for the why), in STRICT tables. Days are
-- UTC dates as text ('YYYY-MM-DD'), other times timeText.

-- +goose Up
-- A tenant-day whose analytic events changed since its rollup: upserted by AppendEvents
-- (version 1, then +1), deleted by ReplaceDay only if its version is unchanged.
CREATE TABLE analytics_stale (
    tenant_id TEXT NOT NULL,
    day       TEXT NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day)
) STRICT;

CREATE TABLE analytics_daily (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    day           TEXT NOT NULL,
    placement     TEXT NOT NULL,
    strategy      TEXT NOT NULL,
    experiment_id TEXT NOT NULL DEFAULT '', -- '' outside experiments
    variant       TEXT NOT NULL DEFAULT '',
    impressions   INTEGER NOT NULL,
    clicks        INTEGER NOT NULL,
    conversions   INTEGER NOT NULL,
    revenue       REAL NOT NULL,
    users         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, day, placement, strategy, experiment_id, variant)
) STRICT;

-- The primary key serves ReplaceDay's delete and ProductTotals' read of a day range.
CREATE TABLE analytics_products_daily (
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    day         TEXT NOT NULL,
    placement   TEXT NOT NULL,
    strategy    TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    impressions INTEGER NOT NULL,
    clicks      INTEGER NOT NULL,
    conversions INTEGER NOT NULL,
    revenue     REAL NOT NULL,
    PRIMARY KEY (tenant_id, day, placement, strategy, product_id)
) STRICT;

-- A purchase line credited to a recommendation click (FR-024), at most once: the key is
-- the line. day is the UTC day of purchased_at.
CREATE TABLE attributions (
    tenant_id         TEXT NOT NULL REFERENCES tenants (id),
    order_id          TEXT NOT NULL,
    product_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    purchased_at      TEXT NOT NULL,
    day               TEXT NOT NULL,
    clicked_at        TEXT NOT NULL,
    recommendation_id TEXT NOT NULL,
    placement         TEXT NOT NULL,
    strategy          TEXT NOT NULL,
    experiment_id     TEXT NOT NULL DEFAULT '',
    variant           TEXT NOT NULL DEFAULT '',
    quantity          INTEGER NOT NULL,
    revenue           REAL NOT NULL,
    PRIMARY KEY (tenant_id, order_id, product_id)
) STRICT;

-- ReplaceDay's delete of a day's credits, and Attributions' read of a range of days.
CREATE INDEX attributions_tenant_day ON attributions (tenant_id, day);

-- +goose Down
DROP TABLE attributions;
DROP TABLE analytics_products_daily;
DROP TABLE analytics_daily;
DROP TABLE analytics_stale;
