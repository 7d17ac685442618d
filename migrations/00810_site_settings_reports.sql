-- +goose Up
-- What each site last reported about its storage classes and network pool,
-- written by the health check and by saves, so the settings page reads the
-- database and never waits on the site.
CREATE TABLE site_settings_reports (
    site_id     uuid PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    storage     jsonb,
    pool        jsonb,
    reported_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE site_settings_reports;
