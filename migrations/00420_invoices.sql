-- +goose Up
-- A closed month: its invoices exist and never change.
CREATE TABLE billing_months (
    month     date PRIMARY KEY,
    time_zone text NOT NULL,
    invoices  integer NOT NULL,
    closed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    number       text NOT NULL UNIQUE,
    month        date NOT NULL,
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    currency     text NOT NULL,
    -- micros; subtotal and total are whole cents
    subtotal     bigint NOT NULL DEFAULT 0,
    discount     bigint NOT NULL DEFAULT 0,
    total        bigint NOT NULL DEFAULT 0,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'closed')),
    closed_at    timestamptz,
    UNIQUE (tenant_id, month)
);
CREATE INDEX invoices_tenant_idx ON invoices (tenant_id, month DESC);

CREATE TABLE invoice_lines (
    invoice_id    uuid NOT NULL REFERENCES invoices (id),
    line_no       integer NOT NULL,
    resource_id   uuid,
    resource_type text NOT NULL DEFAULT '',
    resource_name text NOT NULL DEFAULT '',
    location_id   uuid,
    description   text NOT NULL,
    unit          text NOT NULL,
    -- the exact quantity is quantity_num ÷ quantity_den units
    quantity_num  bigint NOT NULL,
    quantity_den  bigint NOT NULL CHECK (quantity_den > 0),
    unit_price    bigint NOT NULL,
    amount        bigint NOT NULL,
    discount_bp   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (invoice_id, line_no)
);

-- A closed invoice and its lines never change.
-- +goose StatementBegin
CREATE FUNCTION invoices_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION 'invoice % is closed and cannot change', OLD.number USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION invoice_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoice lines cannot change' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE FUNCTION invoice_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoices i JOIN new_lines n ON n.invoice_id = i.id WHERE i.status = 'closed') THEN
        RAISE EXCEPTION 'lines cannot be added to a closed invoice' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_guard();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_guard();
CREATE TRIGGER invoice_lines_closed AFTER INSERT ON invoice_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_insert_guard();

-- +goose Down
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP FUNCTION invoice_lines_insert_guard();
DROP FUNCTION invoice_lines_guard();
DROP FUNCTION invoices_guard();
DROP TABLE billing_months;
