-- +goose Up
-- The ledger's record id loses its UNIQUE index, as prev_hash did in 00011.
-- Nothing looks a record up by its id (records are read by seq, by subject,
-- or all in order), and the index adds nothing to tamper evidence: the id is
-- inside the hash of its record, so a record added, copied or altered breaks
-- the chain whatever its id, and ids are UUIDv7 made by internal/ids. What the
-- index did cost is an index entry more in every state change's transaction
-- (docs/performance.md, "Cost of the ledger append"). Dropping a constraint
-- only removes its index: no row is touched.
ALTER TABLE ledger DROP CONSTRAINT ledger_id_key;

-- +goose Down
-- Forward-only: down migrations are not supported.
SELECT 1;
