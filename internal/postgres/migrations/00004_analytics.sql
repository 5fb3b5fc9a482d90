-- Analytics (DESIGN §6): stale marks, daily rollups and revenue attributions. Days are
-- UTC dates. Columns that lists are ordered by use COLLATE "C", as in 00002: byte order,
-- the order SQLite gives, so both stores list rows alike.

-- +goose Up
-- A tenant-day whose analytic events changed since its rollup. AppendEvents upserts a
-- mark in the transaction that stores the events (version 1, then +1 on each change), so
-- the row stays locked until those events are committed: StaleDays reads marks FOR
-- UPDATE and so waits for them. ReplaceDay deletes the mark only if its version is the
-- one it rolled up. Few rows: only days waiting for the rollup job. No foreign key: it is
-- written on the ingest path, like events, whose guard has already checked the tenants.
CREATE TABLE analytics_stale (
    tenant_id text COLLATE "C" NOT NULL,
    day       date NOT NULL,
    version   bigint NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- One day of a tenant's recommendation performance per placement, strategy and
-- experiment arm ('' outside experiments). Rewritten whole by ReplaceDay.
CREATE TABLE analytics_daily (
    tenant_id     text NOT NULL REFERENCES tenants (id),
    day           date NOT NULL,
    placement     text COLLATE "C" NOT NULL,
    strategy      text COLLATE "C" NOT NULL,
    experiment_id text COLLATE "C" NOT NULL DEFAULT '',
    variant       text COLLATE "C" NOT NULL DEFAULT '',
    impressions   bigint NOT NULL,
    clicks        bigint NOT NULL,
    conversions   bigint NOT NULL,
    revenue       double precision NOT NULL,
    users         bigint NOT NULL,
    PRIMARY KEY (tenant_id, day, placement, strategy, experiment_id, variant)
);

-- One day of one product's performance per placement and strategy. The primary key
-- serves ReplaceDay's delete and ProductTotals' read of a tenant's day range, which then
-- groups by product: no other index.
CREATE TABLE analytics_products_daily (
    tenant_id   text NOT NULL REFERENCES tenants (id),
    day         date NOT NULL,
    placement   text COLLATE "C" NOT NULL,
    strategy    text COLLATE "C" NOT NULL,
    product_id  text COLLATE "C" NOT NULL,
    impressions bigint NOT NULL,
    clicks      bigint NOT NULL,
    conversions bigint NOT NULL,
    revenue     double precision NOT NULL,
    PRIMARY KEY (tenant_id, day, placement, strategy, product_id)
);

-- A purchase line credited to a recommendation click (FR-024). The key is the line, so a
-- line is credited at most once: by the rollup of the day of its purchase that stored it
-- first. day is the UTC day of purchased_at.
CREATE TABLE attributions (
    tenant_id         text NOT NULL REFERENCES tenants (id),
    order_id          text COLLATE "C" NOT NULL,
    product_id        text COLLATE "C" NOT NULL,
    user_id           text COLLATE "C" NOT NULL,
    purchased_at      timestamptz NOT NULL,
    day               date NOT NULL,
    clicked_at        timestamptz NOT NULL,
    recommendation_id text NOT NULL,
    placement         text COLLATE "C" NOT NULL,
    strategy          text COLLATE "C" NOT NULL,
    experiment_id     text COLLATE "C" NOT NULL DEFAULT '',
    variant           text COLLATE "C" NOT NULL DEFAULT '',
    quantity          integer NOT NULL,
    revenue           double precision NOT NULL,
    PRIMARY KEY (tenant_id, order_id, product_id)
);

-- ReplaceDay's delete of a day's credits, and Attributions' read of a range of days.
CREATE INDEX attributions_tenant_day ON attributions (tenant_id, day);

-- +goose Down
DROP TABLE attributions;
DROP TABLE analytics_products_daily;
DROP TABLE analytics_daily;
DROP TABLE analytics_stale;
