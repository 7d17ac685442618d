-- +goose Up
-- The durable queue of every site operation that is not a machine's own
-- (disks, networks, public addresses, snapshots, image copies and captures).
-- A request records the resource in its transitional state and queues the
-- operation here; the worker claims it (FOR UPDATE SKIP LOCKED with a lease,
-- so several manage replicas share the queue), sends it to the site outside
-- any transaction, follows it and applies the outcome to the resource. The
-- key is the site's idempotency key, unique here too, so queueing the same
-- step twice (a request and the sweep after a crash) queues it once.
-- Machine operations keep their own table, which is also the history the
-- portal shows.
CREATE TABLE site_operations (
    id          uuid PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    tenant_id   uuid REFERENCES tenants (id) ON DELETE CASCADE,
    site_id     uuid NOT NULL,
    resource    text NOT NULL CHECK (resource IN ('disk','network','address','snapshot','image','replica')),
    resource_id text NOT NULL,
    request     jsonb NOT NULL,
    state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','running','succeeded','failed')),
    site_op_id  text NOT NULL DEFAULT '',
    error       text NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX site_operations_due_idx ON site_operations (next_at) WHERE state IN ('queued','running');
CREATE INDEX site_operations_resource_idx ON site_operations (resource, resource_id);

-- +goose Down
DROP TABLE site_operations;
