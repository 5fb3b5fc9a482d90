-- Experiments (DESIGN §5): the experiments, their users' first exposures and each
-- experiment user's daily activity. Ids, placements, statuses and variants use
-- COLLATE "C", as in 00002: byte order, the order SQLite gives, so both stores list alike.

-- +goose Up
CREATE TABLE experiments (
    id               text COLLATE "C" PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id),
    name             text NOT NULL,
    placement        text COLLATE "C" NOT NULL,
    status           text COLLATE "C" NOT NULL CHECK (status IN ('draft', 'running', 'paused', 'completed')),
    control_strategy text NOT NULL,
    variant_strategy text NOT NULL,
    control_share    double precision NOT NULL,
    primary_metric   text NOT NULL,
    method           text NOT NULL,
    target_mde       double precision, -- NULL: none set
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    started_at       timestamptz,
    ended_at         timestamptz
);

-- FindExperiments: a tenant's experiments newest first, in the list's order exactly.
CREATE INDEX experiments_tenant_created ON experiments (tenant_id, created_at DESC, id DESC);

-- One running or paused experiment per placement of a tenant (FR-019). The index, not a
-- check before the write, is what makes it hold under concurrency: a second insert or
-- update into it waits for the first and then fails with a unique violation, which the
-- store maps to CodeConflict. It also serves ActiveExperiments.
CREATE UNIQUE INDEX experiments_one_active ON experiments (tenant_id, placement)
    WHERE status IN ('running', 'paused');

-- A user's first exposure to an experiment: the first insert wins, later ones do nothing.
-- No foreign keys: written on the serving path, from experiments the service has just
-- read for the tenant, and only ever read by (tenant, experiment).
CREATE TABLE experiment_exposures (
    tenant_id     text COLLATE "C" NOT NULL,
    experiment_id text COLLATE "C" NOT NULL,
    user_id       text COLLATE "C" NOT NULL,
    variant       text COLLATE "C" NOT NULL,
    exposed_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, user_id)
);

-- One user's activity in an experiment on one UTC day, rewritten with the tenant-day's
-- rollup by ReplaceDay. The key leads with the day within the experiment, the order
-- ExperimentUserDays reads.
CREATE TABLE experiment_user_days (
    tenant_id     text NOT NULL REFERENCES tenants (id),
    experiment_id text COLLATE "C" NOT NULL,
    variant       text COLLATE "C" NOT NULL,
    user_id       text COLLATE "C" NOT NULL,
    day           date NOT NULL,
    impressions   bigint NOT NULL,
    clicks        bigint NOT NULL,
    conversions   bigint NOT NULL,
    revenue       double precision NOT NULL,
    PRIMARY KEY (tenant_id, experiment_id, day, user_id, variant)
);

-- ReplaceDay's delete of a tenant-day's rows, across experiments.
CREATE INDEX experiment_user_days_tenant_day ON experiment_user_days (tenant_id, day);

-- +goose Down
DROP TABLE experiment_user_days;
DROP TABLE experiment_exposures;
DROP TABLE experiments;
