-- +goose Up
-- Machines' network interfaces. A machine's NIC is its address in a
-- network: network_addresses already holds one row per (network, address)
-- with the machine that has it, so the NIC's position on the machine is one
-- more column there rather than a second table that would have to be kept in
-- step with it. The unique index makes "NIC n of machine m" one row.
ALTER TABLE network_addresses ADD COLUMN nic_index smallint NOT NULL DEFAULT 0 CHECK (nic_index BETWEEN 0 AND 15);
CREATE UNIQUE INDEX network_addresses_nic_idx ON network_addresses (machine_id, nic_index);
DROP INDEX network_addresses_machine_idx;

-- +goose Down
CREATE INDEX network_addresses_machine_idx ON network_addresses (machine_id);
DROP INDEX network_addresses_nic_idx;
ALTER TABLE network_addresses DROP COLUMN nic_index;
