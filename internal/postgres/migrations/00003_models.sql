-- Model snapshots: the newest serialised recommendation model of each tenant (DESIGN §4),
-- so a restarted or added node loads it rather than rebuilding. One row a tenant, written
-- once a build and read once a start: tens of MB of data, kept out of line by TOAST.

-- +goose Up
CREATE TABLE models (
    tenant_id text PRIMARY KEY REFERENCES tenants (id),
    version   bigint NOT NULL, -- grows with each build; SaveModel keeps the newest
    built_at  timestamptz NOT NULL,
    events    bigint NOT NULL, -- events the build read
    data      bytea NOT NULL
);

-- +goose Down
DROP TABLE models;
