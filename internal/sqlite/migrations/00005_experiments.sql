-- Experiments: the same tables, keys and indexes as PostgreSQL's (see its migration for
-- the why), in STRICT tables. Days are UTC dates as text ('YYYY-MM-DD'), times timeText.

-- +goose Up
CREATE TABLE experiments (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    name             TEXT NOT NULL,
    placement        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed')),
    control_strategy TEXT NOT NULL,
    variant_strategy TEXT NOT NULL,
    control_share    REAL NOT NULL,
    primary_metric   TEXT NOT NULL,
    method           TEXT NOT NULL,
    target_mde       REAL, -- NULL: none set
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    started_at       TEXT,
    ended_at         TEXT
) STRICT;

-- FindExperiments: a tenant's experiments newest first.
CREATE INDEX experiments_tenant_created ON experiments (tenant_id, created_at DESC, id DESC);

-- One running or paused experiment per placement of a tenant (FR-019).
CREATE UNIQUE INDEX experiments_one_active ON experiments (tenant_id, placement)
    WHERE status IN ('running', 'paused');

-- A user's first exposure to an experiment: the first insert wins.
CREATE TABLE experiment_exposures (
    tenant_id     TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    variant       TEXT NOT NULL,
    exposed_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, user_id)
) STRICT;

-- One user's activity in an experiment on one day, rewritten by ReplaceDay.
CREATE TABLE experiment_user_days (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    experiment_id TEXT NOT NULL,
    variant       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    day           TEXT NOT NULL,
    impressions   INTEGER NOT NULL,
    clicks        INTEGER NOT NULL,
    conversions   INTEGER NOT NULL,
    revenue       REAL NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, day, user_id, variant)
) STRICT;

-- ReplaceDay's delete of a tenant-day's rows, across experiments.
CREATE INDEX experiment_user_days_tenant_day ON experiment_user_days (tenant_id, day);

-- +goose Down
DROP TABLE experiment_user_days;
DROP TABLE experiment_exposures;
DROP TABLE experiments;
