-- Admins, tenants, API keys and refresh tokens. Ids are UUID text from recom.NewID; times
-- are timestamptz, which keeps microseconds, the precision of recom.Now.

-- +goose Up
CREATE TABLE admins (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE, -- normalised lower-case by the caller
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'super_admin')),
    created_at    timestamptz NOT NULL
);

CREATE TABLE tenants (
    id         text PRIMARY KEY,
    owner_id   text NOT NULL REFERENCES admins (id),
    name       text NOT NULL,
    status     text NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    config     jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'), -- recom.TenantConfig
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX tenants_owner_created ON tenants (owner_id, created_at DESC, id DESC);

CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id),
    name         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE, -- HMAC-SHA256(pepper, key) (NFR-006)
    permissions  text NOT NULL CHECK (permissions IN ('read', 'read_write')),
    type         text NOT NULL CHECK (type IN ('secret', 'publishable')),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_keys_tenant_created ON api_keys (tenant_id, created_at DESC, id DESC);

CREATE TABLE refresh_tokens (
    id         text PRIMARY KEY,
    admin_id   text NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    family_id  text NOT NULL,
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE api_keys;
DROP TABLE tenants;
DROP TABLE admins;
