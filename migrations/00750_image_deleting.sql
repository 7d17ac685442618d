-- +goose Up
-- A tenant's image being deleted: deleting until the site has
-- removed its template (connect's image_delete operation), then deleted. A
-- failed delete leaves it failed with the reason, so it is never silently
-- hidden while its template still uses the provider's storage.
ALTER TABLE images DROP CONSTRAINT images_state_check,
    ADD CONSTRAINT images_state_check CHECK (state IN ('creating', 'ready', 'failed', 'deleting', 'deleted'));
DROP INDEX images_creating_idx;
CREATE INDEX images_pending_idx ON images (created_at) WHERE state IN ('creating', 'deleting');
-- Each delete after a failed one is a new site operation with its own key.
ALTER TABLE images ADD COLUMN delete_attempts integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE images DROP COLUMN delete_attempts;
DROP INDEX images_pending_idx;
CREATE INDEX images_creating_idx ON images (created_at) WHERE state = 'creating';
UPDATE images SET state = 'deleted' WHERE state = 'deleting';
ALTER TABLE images DROP CONSTRAINT images_state_check,
    ADD CONSTRAINT images_state_check CHECK (state IN ('creating', 'ready', 'failed', 'deleted'));
