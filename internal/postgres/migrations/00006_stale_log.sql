-- Stale marks become an append-only log. As an upserted row per tenant-day (00004), every
-- ingest flush of a busy tenant locked the same row until its commit, so concurrent
-- flushers took turns committing: at 4,000 single events a second the median
-- acknowledgement went from 11 ms to 46 ms. Inserts into a log never wait on each other.
--
-- AppendEvents inserts a row per tenant-day it changes, stamped with its transaction id.
-- StaleDays lists the tenant-days of the log with the snapshot it read them in; a rollup
-- scanning afterwards sees the events of every transaction committed in it, and
-- ReplaceDay deletes only their rows (pg_visible_in_snapshot). Rows of transactions
-- running at the read, or begun since, stay, and the day is rolled up again. Neither a
-- sequence id (a smaller one may commit after a larger one) nor the snapshot's xmin (held
-- back by any transaction of the cluster, in any database) makes a sound bound.
-- The log stays short: the job empties it every few seconds.

-- +goose Up
CREATE TABLE analytics_stale_log (
    tenant_id text COLLATE "C" NOT NULL,
    day       date NOT NULL,
    xid       xid8 NOT NULL DEFAULT pg_current_xact_id() -- the writing transaction
);
CREATE INDEX analytics_stale_log_tenant_day ON analytics_stale_log (tenant_id, day);
INSERT INTO analytics_stale_log (tenant_id, day) SELECT tenant_id, day FROM analytics_stale;
DROP TABLE analytics_stale;

-- +goose Down
CREATE TABLE analytics_stale (
    tenant_id text COLLATE "C" NOT NULL,
    day       date NOT NULL,
    version   bigint NOT NULL,
    PRIMARY KEY (tenant_id, day)
);
INSERT INTO analytics_stale (tenant_id, day, version)
    SELECT tenant_id, day, count(*) FROM analytics_stale_log GROUP BY 1, 2;
DROP TABLE analytics_stale_log;
