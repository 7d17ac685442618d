-- +goose Up
-- Branding: the provider's default (tenant_id NULL) and each tenant's.
-- Empty values fall back to the provider's default.
CREATE TABLE brandings (
    tenant_id     uuid REFERENCES tenants (id) ON DELETE CASCADE,
    product_name  text NOT NULL DEFAULT '',
    primary_color text NOT NULL DEFAULT '' CHECK (primary_color = '' OR primary_color ~ '^#[0-9a-f]{6}$'),
    accent_color  text NOT NULL DEFAULT '' CHECK (accent_color = '' OR accent_color ~ '^#[0-9a-f]{6}$'),
    logo          text NOT NULL DEFAULT '',
    favicon       text NOT NULL DEFAULT '',
    login_message text NOT NULL DEFAULT '',
    support_email text NOT NULL DEFAULT '',
    support_url   text NOT NULL DEFAULT '',
    footer        text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX brandings_tenant_idx
    ON brandings (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- Uploaded logos and favicons, by owner and content hash. Bytes live here so
-- every manage replica serves them.
CREATE TABLE brand_images (
    owner        uuid NOT NULL,  -- the tenant id, or all zeros for the provider
    name         text NOT NULL,  -- sha256 hex + extension
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/svg+xml')),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, name)
);

-- Custom domains the provider admin assigns to tenants (cloud.acme.example).
CREATE TABLE tenant_domains (
    domain     text PRIMARY KEY CHECK (domain = lower(domain)),
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenant_domains_tenant_idx ON tenant_domains (tenant_id, domain);

-- Every manage process caches host names and brandings; any change to
-- tenants, brandings or domains tells them all to forget (LISTEN/NOTIFY).
-- +goose StatementBegin
CREATE FUNCTION tessera_branding_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_branding', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER brandings_notify AFTER INSERT OR UPDATE OR DELETE ON brandings
    FOR EACH STATEMENT EXECUTE FUNCTION tessera_branding_notify();
CREATE TRIGGER tenant_domains_notify AFTER INSERT OR UPDATE OR DELETE ON tenant_domains
    FOR EACH STATEMENT EXECUTE FUNCTION tessera_branding_notify();
CREATE TRIGGER tenants_branding_notify AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH STATEMENT EXECUTE FUNCTION tessera_branding_notify();

-- +goose Down
DROP TRIGGER tenants_branding_notify ON tenants;
DROP TRIGGER tenant_domains_notify ON tenant_domains;
DROP TRIGGER brandings_notify ON brandings;
DROP FUNCTION tessera_branding_notify();
DROP TABLE tenant_domains;
DROP TABLE brand_images;
DROP TABLE brandings;
