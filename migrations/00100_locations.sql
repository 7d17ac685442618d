-- +goose Up
-- Geo-locations and the connect sites in them.
CREATE TABLE geo_locations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    country_code text NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX geo_locations_name_idx ON geo_locations (lower(name));

CREATE TABLE sites (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    location_id       uuid NOT NULL REFERENCES geo_locations (id),
    api_url           text NOT NULL,
    -- This manage instance's token for the site, sealed with the secret key.
    credential_sealed text NOT NULL,
    enabled           boolean NOT NULL DEFAULT true,
    health            text NOT NULL DEFAULT 'unknown' CHECK (health IN ('ok', 'unreachable', 'unknown')),
    health_note       text NOT NULL DEFAULT '',
    checked_at        timestamptz,
    last_sync         timestamptz,
    info              jsonb,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sites_name_idx ON sites (lower(name));
CREATE INDEX sites_location_idx ON sites (location_id);

-- +goose Down
DROP TABLE sites;
DROP TABLE geo_locations;
