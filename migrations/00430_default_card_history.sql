-- +goose Up
-- Which card is the default (for tenants without an assignment) over time,
-- so that changing the default never reprices the past.
CREATE TABLE rate_card_defaults (
    effective_from timestamptz PRIMARY KEY,
    card_id        uuid NOT NULL REFERENCES rate_cards (id)
);
INSERT INTO rate_card_defaults (effective_from, card_id)
SELECT coalesce((SELECT min(effective_from) FROM rate_card_versions v WHERE v.card_id = c.id), c.created_at), c.id
FROM rate_cards c WHERE c.is_default;

-- +goose Down
DROP TABLE rate_card_defaults;
