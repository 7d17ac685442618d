-- connect's own tables. Sites created before connect had migrations made
-- these same tables from CREATE ... IF NOT EXISTS statements at start-up, so
-- every statement here is idempotent: on such a database this migration
-- changes nothing and only records that the schema is at version 1.
-- River's tables are not here: rivermigrate keeps them.

-- +goose Up
CREATE TABLE IF NOT EXISTS connect_manage_instances (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS connect_machines (
    machine_id  text PRIMARY KEY,
    manage_id   uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    spec        jsonb NOT NULL,
    vm_name     text NOT NULL DEFAULT '',
    power       text NOT NULL DEFAULT 'pending',
    vcpus       integer NOT NULL DEFAULT 0,
    memory_mib  integer NOT NULL DEFAULT 0,
    disk_gib    integer NOT NULL DEFAULT 0,
    host        text NOT NULL DEFAULT '',
    addresses   text[] NOT NULL DEFAULT '{}',
    observed_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS connect_machines_manage_idx ON connect_machines (manage_id, machine_id);
CREATE TABLE IF NOT EXISTS connect_operations (
    id           uuid PRIMARY KEY,
    manage_id    uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    idem_key     text NOT NULL,
    kind         text NOT NULL,
    machine_id   text NOT NULL,
    spec         jsonb,
    state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    error        text NOT NULL DEFAULT '',
    attempts     integer NOT NULL DEFAULT 0,
    lease_owner  text,
    heartbeat_at timestamptz,
    river_job_id bigint,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at   timestamptz,
    finished_at  timestamptz,
    UNIQUE (manage_id, idem_key)
);
CREATE INDEX IF NOT EXISTS connect_operations_machine_idx ON connect_operations (machine_id, created_at) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS connect_operations_lease_idx ON connect_operations (heartbeat_at) WHERE state = 'running';
CREATE TABLE IF NOT EXISTS connect_site (
    id         integer PRIMARY KEY CHECK (id = 1),
    inventory  jsonb NOT NULL,
    last_sync  timestamptz NOT NULL,
    last_error text NOT NULL DEFAULT ''
);

-- connect Storage and Gateway: disks, networks, public addresses, settings,
-- and the columns storage operations add to connect_operations.
ALTER TABLE connect_operations ADD COLUMN IF NOT EXISTS subject text;
ALTER TABLE connect_operations ADD COLUMN IF NOT EXISTS payload jsonb;
CREATE INDEX IF NOT EXISTS connect_operations_subject_idx ON connect_operations ((coalesce(subject, machine_id)), created_at) WHERE state IN ('queued', 'running');
CREATE TABLE IF NOT EXISTS connect_disks (
    disk_id    text PRIMARY KEY,
    manage_id  uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    size_gib   integer NOT NULL CHECK (size_gib > 0),
    class      text NOT NULL,
    datastore  text NOT NULL DEFAULT '',
    path       text NOT NULL DEFAULT '',
    machine_id text NOT NULL DEFAULT '',
    state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'available', 'attached', 'deleted')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS connect_networks (
    network_id text PRIMARY KEY,
    manage_id  uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    port_group text NOT NULL,
    vlan       integer NOT NULL DEFAULT 0, -- 0: an existing port group the provider assigned
    state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'deleted')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS connect_addresses (
    address_id text PRIMARY KEY,
    manage_id  uuid NOT NULL REFERENCES connect_manage_instances (id) ON DELETE CASCADE,
    address    inet NOT NULL,
    machine_id text NOT NULL DEFAULT '',
    state      text NOT NULL DEFAULT 'detached' CHECK (state IN ('attached', 'detached')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS connect_addresses_machine_idx ON connect_addresses (machine_id) WHERE state = 'attached';
CREATE UNIQUE INDEX IF NOT EXISTS connect_networks_vlan_idx ON connect_networks (vlan) WHERE vlan > 0 AND state <> 'deleted';
CREATE TABLE IF NOT EXISTS connect_settings (
    key        text PRIMARY KEY CHECK (key IN ('storage_classes', 'network_pool')),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS connect_settings;
DROP TABLE IF EXISTS connect_addresses;
DROP TABLE IF EXISTS connect_networks;
DROP TABLE IF EXISTS connect_disks;
DROP TABLE IF EXISTS connect_site;
DROP TABLE IF EXISTS connect_operations;
DROP TABLE IF EXISTS connect_machines;
DROP TABLE IF EXISTS connect_manage_instances;
