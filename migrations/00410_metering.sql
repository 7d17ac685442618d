-- +goose Up
-- Every metered state change, once: event_key makes a retried or replayed
-- change a no-op.
CREATE TABLE usage_events (
    event_key   text PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_id uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('created', 'started', 'stopped', 'resized', 'deleted')),
    at          timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- What a resource was between two state changes, exact to the second.
-- A resource has at most one open interval (ended_at NULL).
CREATE TABLE usage_intervals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_id   uuid NOT NULL,
    resource_type text NOT NULL,
    resource_name text NOT NULL DEFAULT '',
    running       boolean NOT NULL,
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,
    vcpus         integer NOT NULL DEFAULT 0 CHECK (vcpus >= 0),
    memory_mib    integer NOT NULL DEFAULT 0 CHECK (memory_mib >= 0),
    disk_gib      integer NOT NULL DEFAULT 0 CHECK (disk_gib >= 0),
    storage_class text NOT NULL DEFAULT '',
    public_ips    integer NOT NULL DEFAULT 0 CHECK (public_ips >= 0),
    location_id   uuid,
    image         text NOT NULL DEFAULT '',
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX usage_intervals_open_idx ON usage_intervals (resource_id) WHERE ended_at IS NULL;
CREATE INDEX usage_intervals_tenant_idx ON usage_intervals (tenant_id, resource_id, started_at);

-- +goose Down
DROP TABLE usage_intervals;
DROP TABLE usage_events;
