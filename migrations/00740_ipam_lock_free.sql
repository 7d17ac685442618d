-- +goose Up
-- IP address allocation without a network-wide lock. Each
-- allocation takes a transaction-scoped advisory lock on the offset it is
-- about to insert; this finds the lowest offset from lo to hi that no
-- committed row holds and no other open transaction has locked, and locks
-- it, in one round trip (allocateAddress in adapters/postgres/network.go
-- calls it). NULL when every offset from lo is taken or locked.
-- +goose StatementBegin
CREATE FUNCTION ipam_lock_free(net uuid, lo integer, hi integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    k   integer := hashtext(net::text);
    cur integer := lo;
BEGIN
    LOOP
        -- The lowest offset >= cur that no committed row holds: cur itself
        -- or one past a held offset.
        SELECT min(c.o) INTO cur FROM (
            SELECT cur AS o
            UNION ALL
            SELECT host_offset + 1 FROM network_addresses WHERE network_id = net AND host_offset >= cur
        ) c
        WHERE c.o <= hi AND NOT EXISTS (SELECT 1 FROM network_addresses a WHERE a.network_id = net AND a.host_offset = c.o);
        IF cur IS NULL OR pg_try_advisory_xact_lock(k, cur) THEN
            RETURN cur;
        END IF;
        cur := cur + 1; -- another open transaction is inserting it
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION ipam_lock_free(uuid, integer, integer);
