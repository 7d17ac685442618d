-- +goose Up
-- Disks, snapshots, networks with IPAM, public addresses and firewall rules.
-- machine_id columns hold machines' ids (the machines table); no foreign key yet,
-- so this migration does not depend on the machines migration's order.
CREATE TABLE disks (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL,
    location_id uuid NOT NULL REFERENCES geo_locations (id),
    site_id     uuid REFERENCES sites (id),
    size_gib    integer NOT NULL CHECK (size_gib BETWEEN 1 AND 16384),
    class       text NOT NULL CHECK (class IN ('standard', 'fast')),
    state       text NOT NULL CHECK (state IN ('creating', 'available', 'attaching', 'attached', 'detaching', 'resizing', 'deleting', 'deleted', 'error')),
    machine_id  uuid,
    -- The operation in progress (attach, detach, grow): its idempotency key,
    -- made when the user asked, and the size a grow asks for.
    op_key           text,
    pending_size_gib integer,
    idem_key    text, -- the API's Idempotency-Key of the create
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX disks_name_idx ON disks (tenant_id, lower(name)) WHERE state <> 'deleted';
CREATE UNIQUE INDEX disks_idem_idx ON disks (tenant_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX disks_tenant_idx ON disks (tenant_id, created_at DESC, id DESC);
CREATE INDEX disks_machine_idx ON disks (machine_id) WHERE machine_id IS NOT NULL;

CREATE TABLE snapshots (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    machine_id uuid NOT NULL,
    site_id    uuid REFERENCES sites (id),
    name       text NOT NULL,
    state      text NOT NULL CHECK (state IN ('creating', 'ready', 'reverting', 'deleting', 'deleted', 'error')),
    op_key     text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX snapshots_machine_idx ON snapshots (tenant_id, machine_id, created_at);

CREATE TABLE networks (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL,
    location_id uuid NOT NULL REFERENCES geo_locations (id),
    site_id     uuid REFERENCES sites (id),
    cidr        cidr NOT NULL CHECK (family(cidr) = 4 AND masklen(cidr) BETWEEN 16 AND 29),
    gateway     inet NOT NULL,
    port_group  text NOT NULL DEFAULT '',
    is_default  boolean NOT NULL DEFAULT false,
    state       text NOT NULL CHECK (state IN ('creating', 'ready', 'deleting', 'error')),
    idem_key    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX networks_name_idx ON networks (tenant_id, lower(name));
CREATE UNIQUE INDEX networks_idem_idx ON networks (tenant_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE UNIQUE INDEX networks_default_idx ON networks (tenant_id, location_id) WHERE is_default;
CREATE INDEX networks_tenant_idx ON networks (tenant_id, location_id, created_at DESC, id DESC);

-- One row per address handed out; the primary key makes a duplicate impossible.
CREATE TABLE network_addresses (
    network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    address     inet NOT NULL,
    host_offset integer NOT NULL,
    tenant_id   uuid NOT NULL,
    machine_id  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network_id, address),
    UNIQUE (network_id, host_offset)
);
CREATE INDEX network_addresses_machine_idx ON network_addresses (machine_id);

CREATE TABLE firewall_rules (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    protocol    text NOT NULL CHECK (protocol IN ('tcp', 'udp', 'icmp', 'any')),
    port_from   integer NOT NULL DEFAULT 0,
    port_to     integer NOT NULL DEFAULT 0,
    source      cidr NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX firewall_rules_network_idx ON firewall_rules (network_id, created_at);

CREATE TABLE public_pools (
    id          uuid PRIMARY KEY,
    location_id uuid NOT NULL REFERENCES geo_locations (id),
    cidr        cidr NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public_addresses (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    location_id uuid NOT NULL REFERENCES geo_locations (id),
    pool_id     uuid NOT NULL REFERENCES public_pools (id),
    address     inet NOT NULL,
    host_offset integer NOT NULL,
    state       text NOT NULL CHECK (state IN ('allocated', 'attaching', 'attached', 'detaching')),
    machine_id  uuid,
    idem_key    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pool_id, address),
    UNIQUE (pool_id, host_offset)
);
CREATE UNIQUE INDEX public_addresses_idem_idx ON public_addresses (tenant_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX public_addresses_tenant_idx ON public_addresses (tenant_id, created_at DESC, id DESC);

-- Images the provider admin publishes, and their copy at each site.
CREATE TABLE site_images (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    url        text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE site_image_replicas (
    image_id    uuid NOT NULL REFERENCES site_images (id) ON DELETE CASCADE,
    site_id     uuid NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    location_id uuid NOT NULL REFERENCES geo_locations (id),
    state       text NOT NULL CHECK (state IN ('copying', 'ready', 'failed')),
    error       text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (image_id, site_id)
);
CREATE INDEX site_image_replicas_copying_idx ON site_image_replicas (image_id) WHERE state = 'copying';

-- +goose Down
DROP TABLE site_image_replicas;
DROP TABLE site_images;
DROP TABLE public_addresses;
DROP TABLE public_pools;
DROP TABLE firewall_rules;
DROP TABLE network_addresses;
DROP TABLE networks;
DROP TABLE snapshots;
DROP TABLE disks;
