-- +goose Up
-- The provider's catalogue: machine sizes and images.
CREATE TABLE flavors (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    vcpus      integer NOT NULL CHECK (vcpus > 0),
    memory_mib integer NOT NULL CHECK (memory_mib > 0),
    disk_gib   integer NOT NULL CHECK (disk_gib > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE images (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    template   text NOT NULL,
    os         text NOT NULL DEFAULT 'linux',
    licensed   boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- What each tenant may use. Locations live in connect's tables (00100s);
-- they are referenced by id without a foreign key so areas migrate apart.
CREATE TABLE tenant_flavors (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    flavor_id uuid NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, flavor_id)
);
CREATE TABLE tenant_images (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    image_id  uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, image_id)
);
CREATE TABLE tenant_locations (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    location_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, location_id)
);

-- One row per tenant: its limits. Creates lock this row (SELECT ... FOR
-- UPDATE), so two parallel creates cannot both take the last free slot.
CREATE TABLE tenant_quotas (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    machines   integer NOT NULL,
    vcpus      integer NOT NULL,
    memory_mib integer NOT NULL,
    disk_gib   integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE machines (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL,
    location_id  uuid NOT NULL,
    site_id      uuid NOT NULL,
    flavor_id    uuid NOT NULL REFERENCES flavors (id),
    image_id     uuid NOT NULL REFERENCES images (id),
    vcpus        integer NOT NULL,
    memory_mib   integer NOT NULL,
    disk_gib     integer NOT NULL,
    status       text NOT NULL CHECK (status IN ('creating','running','stopped','starting','stopping','rebooting','resizing','deleting','error','deleted')),
    addresses    text[] NOT NULL DEFAULT '{}',
    error_reason text NOT NULL DEFAULT '',
    created_by   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE UNIQUE INDEX machines_tenant_name_idx ON machines (tenant_id, lower(name)) WHERE status <> 'deleted';
CREATE INDEX machines_tenant_list_name_idx ON machines (tenant_id, lower(name), id) WHERE status <> 'deleted';
CREATE INDEX machines_tenant_list_created_idx ON machines (tenant_id, created_at DESC, id) WHERE status <> 'deleted';

-- A retried POST with the same Idempotency-Key returns the first machine.
CREATE TABLE machine_idempotency (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key        text NOT NULL,
    machine_id uuid NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

-- Manage's side of each operation: who asked, and connect's operation id.
-- The worker claims due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE machine_operations (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    machine_id    uuid NOT NULL REFERENCES machines (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    state         text NOT NULL CHECK (state IN ('queued','running','succeeded','failed')),
    prior_status  text NOT NULL DEFAULT '',
    flavor_id     uuid,
    site_id       uuid NOT NULL,
    site_op_id    text NOT NULL DEFAULT '',
    user_id       uuid,
    actor         text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    attempts      integer NOT NULL DEFAULT 0,
    next_at       timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX machine_operations_machine_idx ON machine_operations (tenant_id, machine_id, created_at DESC);
CREATE INDEX machine_operations_due_idx ON machine_operations (next_at) WHERE state IN ('queued','running');

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (tenant_id, user_id, created_at DESC);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE machine_operations;
DROP TABLE machine_idempotency;
DROP TABLE machines;
DROP TABLE tenant_quotas;
DROP TABLE tenant_locations;
DROP TABLE tenant_images;
DROP TABLE tenant_flavors;
DROP TABLE images;
DROP TABLE flavors;
