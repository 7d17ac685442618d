-- +goose Up
-- The closed-invoice check of a batch of new lines looks at each invoice
-- once (a join with every new line made month closes slow).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION invoice_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoices i WHERE i.status = 'closed' AND i.id IN (SELECT DISTINCT invoice_id FROM new_lines)) THEN
        RAISE EXCEPTION 'lines cannot be added to a closed invoice' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION invoice_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoices i JOIN new_lines n ON n.invoice_id = i.id WHERE i.status = 'closed') THEN
        RAISE EXCEPTION 'lines cannot be added to a closed invoice' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
