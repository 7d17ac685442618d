-- +goose Up
-- Tenants' own images, captured from their stopped machines. They
-- live in the catalogue's table, so machines reference them like any image,
-- but belong to one tenant and one site, and have a state while captured.
-- A tenant's deleted image is kept (machines made from it reference it).
ALTER TABLE images
    ADD COLUMN tenant_id   uuid REFERENCES tenants (id) ON DELETE CASCADE,
    ADD COLUMN site_id     uuid,
    ADD COLUMN location_id uuid,
    ADD COLUMN machine_id  uuid,
    ADD COLUMN state       text NOT NULL DEFAULT 'ready' CHECK (state IN ('creating', 'ready', 'failed', 'deleted')),
    ADD COLUMN error       text NOT NULL DEFAULT '',
    ADD COLUMN licence_key text NOT NULL DEFAULT '',
    ADD CONSTRAINT images_tenant_site_check CHECK (tenant_id IS NULL OR (site_id IS NOT NULL AND location_id IS NOT NULL));
ALTER TABLE images DROP CONSTRAINT images_name_key;
CREATE UNIQUE INDEX images_catalogue_name_idx ON images (name) WHERE tenant_id IS NULL;
CREATE UNIQUE INDEX images_tenant_name_idx ON images (tenant_id, lower(name)) WHERE tenant_id IS NOT NULL AND state <> 'deleted';
CREATE INDEX images_creating_idx ON images (created_at) WHERE state = 'creating';

-- +goose Down
DROP INDEX images_creating_idx;
DROP INDEX images_tenant_name_idx;
DROP INDEX images_catalogue_name_idx;
DELETE FROM images WHERE tenant_id IS NOT NULL;
ALTER TABLE images ADD CONSTRAINT images_name_key UNIQUE (name);
ALTER TABLE images DROP CONSTRAINT images_tenant_site_check,
    DROP COLUMN licence_key, DROP COLUMN error, DROP COLUMN state, DROP COLUMN machine_id,
    DROP COLUMN location_id, DROP COLUMN site_id, DROP COLUMN tenant_id;
