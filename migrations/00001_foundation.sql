-- +goose Up
CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    slug          text NOT NULL UNIQUE,
    contact_name  text NOT NULL DEFAULT '',
    contact_email text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_name_idx ON tenants (lower(name), id);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    tenant_id     uuid REFERENCES tenants (id) ON DELETE CASCADE,
    login         text NOT NULL,
    display_name  text NOT NULL DEFAULT '',
    email         text NOT NULL DEFAULT '',
    role          text NOT NULL CHECK (role IN ('provider_admin', 'admin', 'member', 'viewer')),
    source        text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'directory')),
    disabled      boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz,
    CHECK ((tenant_id IS NULL) = (role = 'provider_admin'))
);
-- One login per tenant; provider admins share the all-zero tenant key.
CREATE UNIQUE INDEX users_tenant_login_idx
    ON users (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(login));

-- scs sessions (pgxstore's schema).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Fixed-window counters for log-in rate limits, shared by all manage replicas.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL
);

-- Who did what, when, from where, with which result. Tenant admins read their
-- tenant's rows; the provider admin reads all.
CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    tenant_id  uuid REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    address    text NOT NULL DEFAULT '',
    result     text NOT NULL,
    detail     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, id DESC);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE rate_limits;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE tenants;
