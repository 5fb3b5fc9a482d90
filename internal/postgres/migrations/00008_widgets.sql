-- Widgets (US7, DESIGN §7): how the SDK draws each configured placement of a tenant. The
-- config is the recom.Widget's fields as JSON: the SDK reads it whole, nothing filters on
-- its parts, and the API validates it before it is stored.

-- +goose Up
CREATE TABLE widgets (
    tenant_id  text NOT NULL REFERENCES tenants (id),
    placement  text COLLATE "C" NOT NULL,
    config     jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, placement)
);

-- +goose Down
DROP TABLE widgets;
