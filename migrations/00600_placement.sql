-- +goose Up
-- Placement: who may use each geo-location and site (tenancy), each site's
-- overcommit and maintenance reserve, the capacity reserved for machines not
-- yet created, affinity groups, and each machine's placement decision.
-- Locations and sites live in connect's tables (00100s) and machines in
-- 00200s; they are referenced by id without foreign keys so areas migrate apart.

-- A location without a row here is shared.
CREATE TABLE placement_locations (
    location_id uuid PRIMARY KEY,
    tenancy     text NOT NULL DEFAULT 'shared' CHECK (tenancy IN ('shared', 'tenant', 'manage')),
    tenant_id   uuid REFERENCES tenants (id) ON DELETE CASCADE,
    manage_id   text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((tenancy = 'tenant') = (tenant_id IS NOT NULL)),
    CHECK ((tenancy = 'manage') = (manage_id <> ''))
);
CREATE INDEX placement_locations_tenant_idx ON placement_locations (tenant_id) WHERE tenant_id IS NOT NULL;

-- A site without a row here is shared, with the default ratios and reserve.
-- reserved_* are the sums of the site's placement_reservations; they change
-- only while this row is locked (SELECT ... FOR UPDATE), so two placements
-- onto one site see each other.
CREATE TABLE placement_sites (
    site_id              uuid PRIMARY KEY,
    tenancy              text NOT NULL DEFAULT 'shared' CHECK (tenancy IN ('shared', 'tenant', 'manage')),
    tenant_id            uuid REFERENCES tenants (id) ON DELETE CASCADE,
    manage_id            text NOT NULL DEFAULT '',
    cpu_ratio            numeric(5, 2) NOT NULL DEFAULT 4 CHECK (cpu_ratio BETWEEN 1 AND 32),
    memory_ratio         numeric(4, 2) NOT NULL DEFAULT 1 CHECK (memory_ratio BETWEEN 1 AND 4),
    reserve_percent      integer NOT NULL DEFAULT 10 CHECK (reserve_percent BETWEEN 0 AND 90),
    reserved_vcpus       integer NOT NULL DEFAULT 0 CHECK (reserved_vcpus >= 0),
    reserved_memory_mib  bigint NOT NULL DEFAULT 0 CHECK (reserved_memory_mib >= 0),
    reserved_storage_gib bigint NOT NULL DEFAULT 0 CHECK (reserved_storage_gib >= 0),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((tenancy = 'tenant') = (tenant_id IS NOT NULL)),
    CHECK ((tenancy = 'manage') = (manage_id <> ''))
);
CREATE INDEX placement_sites_tenant_idx ON placement_sites (tenant_id) WHERE tenant_id IS NOT NULL;

-- Capacity placed but not yet created: one row per machine, written in the
-- transaction that decides, deleted when the site has created the machine
-- (its own figures count it from then on) or the machine failed or was deleted.
CREATE TABLE placement_reservations (
    machine_id  uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    site_id     uuid NOT NULL REFERENCES placement_sites (site_id),
    vcpus       integer NOT NULL CHECK (vcpus > 0),
    memory_mib  bigint NOT NULL CHECK (memory_mib > 0),
    storage_gib bigint NOT NULL CHECK (storage_gib >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_reservations_site_idx ON placement_reservations (site_id);
CREATE INDEX placement_reservations_tenant_idx ON placement_reservations (tenant_id, created_at);

-- A tenant's affinity groups. Each placement into a group locks its row
-- first, so two parallel placements cannot both miss each other.
CREATE TABLE placement_groups (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (name ~ '^[A-Za-z0-9_-]{1,63}$'),
    anti       boolean NOT NULL,
    hard       boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE placement_group_members (
    tenant_id  uuid NOT NULL,
    group_name text NOT NULL,
    machine_id uuid NOT NULL,
    site_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, group_name, machine_id),
    FOREIGN KEY (tenant_id, group_name) REFERENCES placement_groups (tenant_id, name) ON DELETE CASCADE
);
CREATE INDEX placement_group_members_machine_idx ON placement_group_members (tenant_id, machine_id);

-- Why each machine went where it did (shown to the provider admin).
CREATE TABLE placement_decisions (
    machine_id    uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    site_id       uuid NOT NULL,
    site_name     text NOT NULL,
    location_id   uuid NOT NULL,
    request       text NOT NULL,
    score         double precision NOT NULL,
    hourly_micros bigint NOT NULL DEFAULT 0,
    currency      text NOT NULL DEFAULT '',
    fitting       jsonb NOT NULL,
    excluded      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_decisions_tenant_idx ON placement_decisions (tenant_id, created_at DESC, machine_id DESC);
CREATE INDEX placement_decisions_created_idx ON placement_decisions (created_at DESC, machine_id DESC);

-- +goose Down
DROP TABLE placement_decisions;
DROP TABLE placement_group_members;
DROP TABLE placement_groups;
DROP TABLE placement_reservations;
DROP TABLE placement_sites;
DROP TABLE placement_locations;
