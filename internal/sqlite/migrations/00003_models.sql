-- Model snapshots: the newest serialised recommendation model of each tenant, as in
-- PostgreSQL. BuiltAt is timeText; the data, tens of MB, is one BLOB.

-- +goose Up
CREATE TABLE models (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    version   INTEGER NOT NULL, -- grows with each build; SaveModel keeps the newest
    built_at  TEXT NOT NULL,
    events    INTEGER NOT NULL, -- events the build read
    data      BLOB NOT NULL
) STRICT;

-- +goose Down
DROP TABLE models;
