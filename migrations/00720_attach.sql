-- +goose Up
-- Attaching disks and public addresses to machines, snapshots through the
-- API, and deleting a machine with or without its extra disks.

-- What a machine's delete does with its attached disks: kept (detached,
-- available) or deleted after the machine. Recorded with the operation so
-- a restarted worker still carries out the choice.
ALTER TABLE machine_operations ADD COLUMN disks text NOT NULL DEFAULT 'keep' CHECK (disks IN ('keep', 'delete'));

-- A public address's attach or detach in progress: the site it goes to and
-- the idempotency key of its site operation.
ALTER TABLE public_addresses ADD COLUMN site_id uuid REFERENCES sites (id);
ALTER TABLE public_addresses ADD COLUMN op_key text;

-- The API's Idempotency-Key of a snapshot's create.
ALTER TABLE snapshots ADD COLUMN idem_key text;
CREATE UNIQUE INDEX snapshots_idem_idx ON snapshots (tenant_id, idem_key) WHERE idem_key IS NOT NULL;

-- +goose Down
DROP INDEX snapshots_idem_idx;
ALTER TABLE snapshots DROP COLUMN idem_key;
ALTER TABLE public_addresses DROP COLUMN op_key;
ALTER TABLE public_addresses DROP COLUMN site_id;
ALTER TABLE machine_operations DROP COLUMN disks;
