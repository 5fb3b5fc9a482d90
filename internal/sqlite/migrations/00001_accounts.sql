-- Admins, tenants, API keys and refresh tokens. Times are fixed-width UTC text
-- ("2006-01-02T15:04:05.000000Z"): exact to the microsecond, sortable as text and readable
-- in the sqlite3 shell. Ids are UUID text from recom.NewID.

-- +goose Up
CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE, -- normalised lower-case by the caller
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'super_admin')),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES admins (id),
    name       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    config     TEXT NOT NULL CHECK (json_valid(config)), -- recom.TenantConfig as JSON
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX tenants_owner_created ON tenants (owner_id, created_at DESC, id DESC);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE, -- HMAC-SHA256(pepper, key) (NFR-006)
    permissions  TEXT NOT NULL CHECK (permissions IN ('read', 'read_write')),
    type         TEXT NOT NULL CHECK (type IN ('secret', 'publishable')),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_keys_tenant_created ON api_keys (tenant_id, created_at DESC, id DESC);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    admin_id   TEXT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT,
    revoked_at TEXT
) STRICT;

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE api_keys;
DROP TABLE tenants;
DROP TABLE admins;
