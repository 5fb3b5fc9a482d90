-- Widgets: the same table as PostgreSQL's (see its migration for the why), config as
-- JSON text.

-- +goose Up
CREATE TABLE widgets (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    placement  TEXT NOT NULL,
    config     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, placement)
) STRICT;

-- +goose Down
DROP TABLE widgets;
