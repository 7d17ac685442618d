-- +goose Up
-- A month close inserts hundreds of thousands of lines: check each batch
-- once (its invoices exist and are still drafts) instead of a foreign-key
-- lookup per line.
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_invoice_id_fkey;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION invoice_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT invoice_id FROM new_lines) n LEFT JOIN invoices i ON i.id = n.invoice_id
               WHERE i.id IS NULL OR i.status = 'closed') THEN
        RAISE EXCEPTION 'lines must belong to an open (draft) invoice' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION invoice_lines_insert_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoices i WHERE i.status = 'closed' AND i.id IN (SELECT DISTINCT invoice_id FROM new_lines)) THEN
        RAISE EXCEPTION 'lines cannot be added to a closed invoice' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id);
