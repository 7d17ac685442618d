-- +goose Up
-- A tenant's LDAP directory for single sign-on. The service account's bind
-- password is sealed (AES-GCM with the platform's secret key).
CREATE TABLE directories (
    tenant_id          uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    enabled            boolean NOT NULL DEFAULT true,
    name               text NOT NULL DEFAULT '',
    urls               text[] NOT NULL,
    start_tls          boolean NOT NULL DEFAULT false,
    ca_pem             text NOT NULL DEFAULT '',
    bind_dn            text NOT NULL,
    bind_password_sealed text NOT NULL,
    user_base          text NOT NULL,
    user_filter        text NOT NULL,
    login_attr         text NOT NULL,
    name_attr          text NOT NULL DEFAULT '',
    mail_attr          text NOT NULL DEFAULT '',
    group_mode         text NOT NULL CHECK (group_mode IN ('memberOf', 'member', 'uniqueMember', 'memberUid')),
    group_base         text NOT NULL DEFAULT '',
    nested_groups      boolean NOT NULL DEFAULT false,
    group_roles        jsonb NOT NULL DEFAULT '[]',
    allow_local_login  boolean NOT NULL DEFAULT true,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE directories;
