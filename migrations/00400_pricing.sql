-- +goose Up
-- Rate cards: a currency and, per version, unit prices in micros (millionths
-- of the currency unit). Versions are never updated: a new price is a new
-- version with a later effective_from.
CREATE TABLE rate_cards (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rate_cards_name_idx ON rate_cards (lower(name));
CREATE UNIQUE INDEX rate_cards_one_default_idx ON rate_cards (is_default) WHERE is_default;

CREATE TABLE rate_card_versions (
    id              uuid PRIMARY KEY,
    card_id         uuid NOT NULL REFERENCES rate_cards (id) ON DELETE CASCADE,
    effective_from  timestamptz NOT NULL,
    vcpu_hour       bigint NOT NULL CHECK (vcpu_hour >= 0),
    memory_gib_hour bigint NOT NULL CHECK (memory_gib_hour >= 0),
    public_ip_hour  bigint NOT NULL CHECK (public_ip_hour >= 0),
    monthly_fee     bigint NOT NULL CHECK (monthly_fee >= 0),
    -- {"standard": 40000, "ssd": 90000}: per GiB-month, by storage class
    disk_gib_month  jsonb NOT NULL DEFAULT '{}',
    -- {"windows-server-2022": 25000}: per hour, by image id or name
    licence_hour    jsonb NOT NULL DEFAULT '{}',
    -- {"<location uuid>": 1150000}: multiplier in millionths (1.15)
    multipliers     jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (card_id, effective_from)
);

-- Prices are history: a version is never changed or removed.
-- +goose StatementBegin
CREATE FUNCTION pricing_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
-- +goose StatementEnd
CREATE TRIGGER rate_card_versions_immutable BEFORE UPDATE ON rate_card_versions
    FOR EACH ROW EXECUTE FUNCTION pricing_immutable();

-- A tenant's rate card, discount and overrides, also versioned by effective_from.
CREATE TABLE tenant_rates (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    card_id        uuid NOT NULL REFERENCES rate_cards (id),
    discount_bp    integer NOT NULL DEFAULT 0 CHECK (discount_bp BETWEEN 0 AND 10000),
    -- {"vcpu_hour": 30000, "disk_gib_month": {"ssd": 80000}, ...}
    overrides      jsonb NOT NULL DEFAULT '{}',
    effective_from timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, effective_from)
);
CREATE INDEX tenant_rates_card_idx ON tenant_rates (card_id);
CREATE TRIGGER tenant_rates_immutable BEFORE UPDATE ON tenant_rates
    FOR EACH ROW EXECUTE FUNCTION pricing_immutable();

-- +goose Down
DROP TABLE tenant_rates;
DROP TABLE rate_card_versions;
DROP FUNCTION pricing_immutable();
DROP TABLE rate_cards;
